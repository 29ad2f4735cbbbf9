using System.Diagnostics;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;

namespace LatentCycles.Core.Training;

/// <summary>
/// The single-threaded reference trainer: every block in order on one thread, then the <see cref="RunStep"/> every
/// trainer shares. The actor trainer must match it bit for bit; tests and baselines use it directly.
/// </summary>
public sealed class ReferenceTrainer(BinaryImages train)
{
    private ChainSweeper? _sweeper;
    private ChainStatistics? _block;

    /// <summary>One round from <paramref name="state"/>: its next state and its row of metrics.</summary>
    public (TrainingState Next, MetricsRow Row) RunRound(TrainingState state)
    {
        var (statistics, endStates) = RunBlocks(state);
        return RoundComputation.Apply(state, statistics, endStates, train);
    }

    /// <summary>
    /// Runs <paramref name="run"/> under <paramref name="policy"/> until it finishes or diverges: rounds, evaluations
    /// (with <paramref name="evaluate"/>; none when null) and checkpoints (kept in memory) as the run step asks.
    /// </summary>
    public RunEffect.Finish Run(RunState run, RunPolicy policy, StateEvaluator? evaluate, Action<MetricsRow>? onRow = null)
    {
        var step = new RunStep(policy, train);
        var clock = Stopwatch.StartNew();
        var inputs = new Queue<RunInput>();
        var (state, effects) = step.Begin(run);
        while (true)
        {
            foreach (var effect in effects)
            {
                switch (effect)
                {
                    case RunEffect.StartRound start:
                        var roundClock = Stopwatch.StartNew();
                        var (statistics, endStates) = RunBlocks(start.State);
                        var timing = new RoundTiming(roundClock.Elapsed.TotalSeconds, clock.Elapsed.TotalSeconds, 1, DateTimeOffset.UtcNow);
                        inputs.Enqueue(new RunInput.RoundCompleted(statistics, endStates, timing));
                        break;
                    case RunEffect.Evaluate evaluation:
                        inputs.Enqueue(RunStep.Evaluate(evaluate ?? throw new InvalidOperationException("the run policy evaluates but no evaluator was given"),
                            evaluation.State));
                        break;
                    case RunEffect.WriteRow write:
                        onRow?.Invoke(write.Row);
                        break;
                    case RunEffect.SaveCheckpoint save:
                        inputs.Enqueue(new RunInput.CheckpointSaved(save.State.Round));
                        break;
                    case RunEffect.Finish finish:
                        return finish;
                }
            }
            (state, effects) = step.Next(state, inputs.Dequeue());
        }
    }

    /// <summary>Runs rounds until the configuration's round count, without evaluations, reporting each round's metrics.</summary>
    /// <exception cref="NonFiniteGradientException">a round's gradient or parameters are not finite.</exception>
    public TrainingState RunToEnd(TrainingState state, Action<MetricsRow>? onRound = null)
    {
        var end = Run(RunState.New(state), new RunPolicy(int.MaxValue, 0, EvaluateFinalRound: false), null, onRound);
        if (end.Outcome != RunOutcome.Finished) throw new InvalidOperationException(end.Message);
        return end.State;
    }

    private (ChainStatistics Statistics, byte[] EndStates) RunBlocks(TrainingState state)
    {
        var config = state.Config;
        int k = config.K, n = state.Parameters.N;
        _sweeper ??= new ChainSweeper(k, n);
        _block ??= new ChainStatistics(k, n);
        var merged = new ChainStatistics(k, n);
        var prepared = new PreparedParameters(state.Parameters);
        var states = (byte[])state.ChainStates.Clone();
        BlockRunner.RunAll(config, state.Round, prepared, states, _sweeper, _block, merged);
        return (merged, states);
    }
}
