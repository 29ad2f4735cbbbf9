using System.Collections.Immutable;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;

namespace LatentCycles.Core.Training;

public enum RunOutcome { Finished, Stopped, Diverged }

/// <summary>Evaluates the parameters of a training state: the training-set and test-set log-likelihood (MODEL.md §2).</summary>
public delegate (LikelihoodEstimate Train, LikelihoodEstimate Test) StateEvaluator(TrainingState state);

/// <summary>When a run evaluates and checkpoints.</summary>
/// <param name="CheckpointEvery">Rounds between checkpoints; a new run is also checkpointed before its first round, and every run at a stop and at the end.</param>
/// <param name="EvaluateEvery">Rounds between fresh-sample evaluations (MODEL.md §2); 0 = none but the final round's.</param>
/// <param name="EvaluateFinalRound">Whether the last round of the configuration is evaluated.</param>
public sealed record RunPolicy(int CheckpointEvery, int EvaluateEvery, bool EvaluateFinalRound = true)
{
    public bool Evaluates(TrainingState state) =>
        (EvaluateFinalRound && state.IsFinished) || (EvaluateEvery > 0 && state.Round % EvaluateEvery == 0);
}

/// <summary>What a trainer tells the run step.</summary>
public abstract record RunInput
{
    /// <summary>
    /// The round started by <see cref="RunEffect.StartRound"/> is done: its merged statistics and every chain's end state,
    /// and the round's <see cref="ParameterTerms"/> when the trainer computed them while the chains swept.
    /// </summary>
    public sealed record RoundCompleted(ChainStatistics Statistics, byte[] EndStates, RoundTiming Timing, ParameterTerms? Terms = null) : RunInput;

    /// <summary>The answer to <see cref="RunEffect.Evaluate"/> for the parameters after <paramref name="Round"/> rounds.</summary>
    public sealed record Evaluated(int Round, LikelihoodEstimate Train, LikelihoodEstimate Test) : RunInput;

    /// <summary><see cref="RunEffect.Evaluate"/> found the parameters after <paramref name="Round"/> rounds impossible to evaluate.</summary>
    public sealed record EvaluationFailed(int Round, string Reason) : RunInput;

    /// <summary>The checkpoint of <see cref="RunEffect.SaveCheckpoint"/> for <paramref name="Round"/> is stored.</summary>
    public sealed record CheckpointSaved(int Round) : RunInput;

    /// <summary>Stop at the next round boundary, with a checkpoint.</summary>
    public sealed record StopRequested : RunInput;
}

/// <summary>How long a round took and where it ran.</summary>
/// <param name="RoundSeconds">From handing out the blocks to the last statistics.</param>
/// <param name="SessionSeconds">From the start of this session (process) to the end of the round.</param>
public sealed record RoundTiming(double RoundSeconds, double SessionSeconds, int Nodes, DateTimeOffset EndedAt);

/// <summary>What the run step asks its trainer to do, in the order given.</summary>
public abstract record RunEffect
{
    /// <summary>Run every block of round <c>State.Round + 1</c> from <paramref name="State"/>; answer with <see cref="RunInput.RoundCompleted"/>.</summary>
    public sealed record StartRound(TrainingState State) : RunEffect;

    /// <summary>
    /// Evaluate the parameters of <paramref name="State"/> (MODEL.md §2); answer with <see cref="RunInput.Evaluated"/> or
    /// <see cref="RunInput.EvaluationFailed"/>, at any later time: rows wait for it and still go out in round order.
    /// </summary>
    public sealed record Evaluate(TrainingState State) : RunEffect;

    /// <summary>Replace the metrics written so far with <paramref name="History"/> (the start of a session).</summary>
    public sealed record RewriteMetrics(IReadOnlyList<MetricsRow> History) : RunEffect;

    /// <summary>Append <paramref name="Row"/>, the next round's row, to the metrics and report it.</summary>
    public sealed record WriteRow(MetricsRow Row) : RunEffect;

    /// <summary>Store <paramref name="State"/> with the rows of its rounds; answer with <see cref="RunInput.CheckpointSaved"/>.</summary>
    public sealed record SaveCheckpoint(TrainingState State, IReadOnlyList<MetricsRow> History) : RunEffect;

    /// <summary>The run is over; for <see cref="RunOutcome.Diverged"/>, <paramref name="State"/> is the last stored checkpoint.</summary>
    public sealed record Finish(RunOutcome Outcome, TrainingState State, string? Message) : RunEffect;
}

/// <summary>A round computed whose row waits for its evaluation (or for rows before it).</summary>
public sealed record PendingRound(TrainingState State, MetricsRow Row, bool AwaitingEvaluation);

/// <summary>
/// A run as a value: the latest training state, the last stored checkpoint, the rows written, the rounds waiting to be
/// written, and what is in flight. Only <see cref="RunStep"/> makes the next one.
/// </summary>
public sealed record RunState
{
    public required TrainingState Current { get; init; }

    /// <summary>The latest checkpoint known to be stored; null before a new run's first.</summary>
    public TrainingState? LastCheckpoint { get; init; }

    /// <summary>Rows written, one per completed round, in round order.</summary>
    public ImmutableList<MetricsRow> History { get; init; } = [];

    public ImmutableList<PendingRound> Pending { get; init; } = [];

    public TrainingState? CheckpointInFlight { get; init; }

    public bool RoundInFlight { get; init; }

    public bool StopRequested { get; init; }

    /// <summary>Why the run diverged; it ends once no checkpoint is in flight.</summary>
    public string? Divergence { get; init; }

    public bool Ended { get; init; }

    /// <summary>Training seconds of earlier sessions of this run.</summary>
    public double ElapsedBefore { get; init; }

    public static RunState New(TrainingState start) => new() { Current = start };

    /// <summary>A run continued from a stored checkpoint and the rows of its rounds.</summary>
    public static RunState Resumed(TrainingState checkpoint, IReadOnlyList<MetricsRow> history) => new()
    {
        Current = checkpoint,
        LastCheckpoint = checkpoint,
        History = [.. history],
        ElapsedBefore = history.Count > 0 ? history[^1].ElapsedSeconds ?? 0 : 0,
    };
}

/// <summary>The next run state and what the trainer must do.</summary>
public readonly record struct RunTransition(RunState State, IReadOnlyList<RunEffect> Effects);

/// <summary>
/// The run policy as a pure function, (run state, input) → (next run state, effects), shared by every trainer: the
/// reference trainer carries the effects out on one thread, the coordinator actor with nodes and a store. It applies
/// rounds (<see cref="RoundComputation.Apply"/>), schedules evaluations and checkpoints, keeps the metrics history in
/// round order, and decides when the run finishes, stops or diverges (a non-finite gradient or an unevaluable model
/// ends it at the last stored checkpoint, so a bad state is never stored).
/// </summary>
/// <param name="profile">Times the round's computation when given (<c>train --profile</c>); the result does not depend on it.</param>
public sealed class RunStep(RunPolicy policy, BinaryImages train, RoundProfile? profile = null)
{
    public RunPolicy Policy => policy;

    /// <summary>The first effects of a session: the metrics so far, then a checkpoint (new run), a round, or the end.</summary>
    public RunTransition Begin(RunState run) => Settle(run, [new RunEffect.RewriteMetrics(run.History)]);

    public RunTransition Next(RunState run, RunInput input)
    {
        if (run.Ended) return new(run, []);
        switch (input)
        {
            case RunInput.RoundCompleted completed:
                if (!run.RoundInFlight) throw new InvalidOperationException("a round completed that was not started");
                return AfterRound(run with { RoundInFlight = false }, completed);
            case RunInput.Evaluated evaluated:
                var index = run.Pending.FindIndex(p => p.AwaitingEvaluation && p.State.Round == evaluated.Round);
                if (index < 0) return new(run, []);
                var pending = run.Pending[index];
                var row = pending.Row with { TrainLogLikelihood = evaluated.Train, TestLogLikelihood = evaluated.Test };
                return Settle(run with { Pending = run.Pending.SetItem(index, pending with { Row = row, AwaitingEvaluation = false }) }, []);
            case RunInput.EvaluationFailed failed:
                return Settle(Diverge(run, $"the model after round {failed.Round} cannot be evaluated ({failed.Reason}); stopping at the last good checkpoint"), []);
            case RunInput.CheckpointSaved saved:
                if (run.CheckpointInFlight is not { } stored || stored.Round != saved.Round) return new(run, []);
                return Settle(run with { LastCheckpoint = stored, CheckpointInFlight = null }, []);
            case RunInput.StopRequested:
                return Settle(run with { StopRequested = true }, []);
            default:
                throw new ArgumentException($"unknown run input {input.GetType().Name}", nameof(input));
        }
    }

    /// <summary>
    /// Carries out <see cref="RunEffect.Evaluate"/> with <paramref name="evaluate"/>: parameters that stay finite yet
    /// are too large for any likelihood to be computed come back as <see cref="RunInput.EvaluationFailed"/>.
    /// </summary>
    public static RunInput Evaluate(StateEvaluator evaluate, TrainingState state)
    {
        try
        {
            var (trainFigure, testFigure) = evaluate(state);
            return new RunInput.Evaluated(state.Round, trainFigure, testFigure);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or OverflowException)
        {
            return new RunInput.EvaluationFailed(state.Round, e.Message);
        }
    }

    private RunTransition AfterRound(RunState run, RunInput.RoundCompleted completed)
    {
        TrainingState next;
        MetricsRow row;
        try
        {
            (next, row) = RoundComputation.Apply(run.Current, completed.Statistics, completed.EndStates, train, profile, completed.Terms);
        }
        catch (NonFiniteGradientException e)
        {
            return Settle(Diverge(run, e.Message), []);
        }
        var config = next.Config;
        var timing = completed.Timing;
        row = row with
        {
            ChainStepsPerSecond = (double)config.Chains * config.Sweeps / timing.RoundSeconds,
            Nodes = timing.Nodes,
            ElapsedSeconds = run.ElapsedBefore + timing.SessionSeconds,
            Timestamp = timing.EndedAt,
        };
        var evaluate = policy.Evaluates(next);
        run = run with { Current = next, Pending = run.Pending.Add(new PendingRound(next, row, evaluate)) };
        return Settle(run, evaluate ? [new RunEffect.Evaluate(next)] : []);
    }

    private static RunState Diverge(RunState run, string reason) => run with { Divergence = reason, Pending = [] };

    /// <summary>Writes the rows that are ready, then checkpoints, starts the next round, or ends the run.</summary>
    private RunTransition Settle(RunState run, List<RunEffect> effects)
    {
        if (run.Divergence is { } reason)
        {
            // A checkpoint in flight holds a good state; once stored it is the one the run ends at.
            if (run.CheckpointInFlight is not null) return new(run, effects);
            var last = run.LastCheckpoint ?? throw new InvalidOperationException("a run diverged before its first checkpoint");
            effects.Add(new RunEffect.Finish(RunOutcome.Diverged, last, $"{reason} (round {last.Round})"));
            return new(run with { Ended = true }, effects);
        }
        while (run.Pending.Count > 0 && !run.Pending[0].AwaitingEvaluation)
        {
            var (state, row, _) = run.Pending[0];
            var due = state.Round % policy.CheckpointEvery == 0;
            // One checkpoint at a time: a row due for one waits until the checkpoint in flight is stored.
            if (due && run.CheckpointInFlight is not null) break;
            run = run with { Pending = run.Pending.RemoveAt(0), History = run.History.Add(row) };
            effects.Add(new RunEffect.WriteRow(row));
            if (due) run = Checkpoint(run, state, effects);
        }
        if (run.RoundInFlight) return new(run, effects);
        if (run.LastCheckpoint is null)
            return run.CheckpointInFlight is null ? new(Checkpoint(run, run.Current, effects), effects) : new(run, effects);
        // Rounds go on while a checkpoint is written: the stored state is an immutable value of an earlier round.
        if (!run.Current.IsFinished && !run.StopRequested)
        {
            // Before any evaluation, so the chains run the next round while the trainer evaluates the last one.
            var evaluation = effects.FindIndex(e => e is RunEffect.Evaluate);
            effects.Insert(evaluation < 0 ? effects.Count : evaluation, new RunEffect.StartRound(run.Current));
            return new(run with { RoundInFlight = true }, effects);
        }
        if (run.Pending.Count > 0 || run.CheckpointInFlight is not null) return new(run, effects);
        if (run.LastCheckpoint.Round != run.Current.Round) return new(Checkpoint(run, run.Current, effects), effects);
        effects.Add(run.Current.IsFinished
            ? new RunEffect.Finish(RunOutcome.Finished, run.Current, null)
            : new RunEffect.Finish(RunOutcome.Stopped, run.Current, $"stopped after round {run.Current.Round}"));
        return new(run with { Ended = true }, effects);
    }

    private static RunState Checkpoint(RunState run, TrainingState state, List<RunEffect> effects)
    {
        effects.Add(new RunEffect.SaveCheckpoint(state, run.History));
        return run with { CheckpointInFlight = state };
    }
}
