using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>Estimates a model's mean log-likelihood on the training and test sets after round <c>round</c> (MODEL.md §2).</summary>
internal delegate (LikelihoodFigure Train, LikelihoodFigure Test) LikelihoodEvaluator(TrainingState state, DataSplit data);

/// <summary>Everything a coordinator needs for one run.</summary>
internal sealed record CoordinatorSetup(
    string PersistenceId,
    TrainingState Start,
    DataSplit Data,
    RunSettings Settings,
    IActorRef Aggregator,
    TimeSpan RoundTimeout,
    TimeSpan CheckpointTimeout,
    LikelihoodEvaluator Evaluate,
    Action<RoundProgress> OnProgress,
    TaskCompletionSource<RunResult> Completion);

/// <summary>
/// Owns the run (ARCHITECTURE.md, "Actors and messages"): the <see cref="TrainingState"/> and the metrics history. Per
/// round it sends <see cref="RoundStarted"/> to the node aggregator, applies the returned statistics with the pure
/// <see cref="RoundComputation.Apply"/>, evaluates every EvaluateEvery rounds, reports progress, appends metrics.csv,
/// and checkpoints (a <see cref="CheckpointTaken"/> event plus a <see cref="Checkpoint"/> snapshot) at the start, every
/// CheckpointEvery rounds, on a stop and at the end. Recovery restores the latest snapshot; the rounds after it are
/// recomputed bit for bit because every random stream is keyed by round.
/// </summary>
internal sealed class Coordinator : ReceivePersistentActor, IWithTimers
{
    private const string RoundTimer = "round";
    private const string CheckpointTimer = "checkpoint";

    private readonly CoordinatorSetup _setup;
    private readonly Stopwatch _roundClock = new();
    private Checkpoint? _recovered;
    private TrainingState _state;
    private TrainingState _lastCheckpoint;
    private List<MetricsRow> _history = [];
    private MetricsCsv? _csv;
    private bool _stopRequested;
    private Action? _afterCheckpoint;

    public Coordinator(CoordinatorSetup setup)
    {
        _setup = setup;
        _state = _lastCheckpoint = setup.Start;
        Recover<SnapshotOffer>(offer => _recovered = (Checkpoint)offer.Snapshot);
        Recover<CheckpointTaken>(_ => { });
        Recover<RecoveryCompleted>(_ => Self.Tell(Begin.Instance));
        Command<Begin>(_ => Guard(BeginRun));
        Command<NodeStatistics>(m => Guard(() => OnStatistics(m)));
        Command<StopRequested>(_ => _stopRequested = true);
        Command<SaveSnapshotSuccess>(_ => Guard(OnCheckpointSaved));
        Command<SaveSnapshotFailure>(f => Fail(new RunStoreException($"writing the checkpoint of round {_state.Round} failed: {f.Cause.Message}", f.Cause)));
        Command<TimedOut>(t => Fail(new TimeoutException(t.What)));
        Command<Terminated>(t => Fail(new InvalidOperationException($"the node aggregator {t.ActorRef.Path} stopped during the run (see the error logged above)")));
    }

    public override string PersistenceId => _setup.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSetup setup) => Akka.Actor.Props.Create(() => new Coordinator(setup));

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        Fail(new RunStoreException($"cannot read the checkpoint store: {reason.Message}", reason));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Fail(new RunStoreException($"writing the checkpoint of round {_state.Round} failed: {cause.Message}", cause));

    protected override void PostStop()
    {
        _csv?.Dispose();
        _setup.Completion.TrySetException(new InvalidOperationException("the training coordinator stopped before the run ended"));
        base.PostStop();
    }

    private void BeginRun()
    {
        Context.Watch(_setup.Aggregator);
        var metricsPath = Path.Combine(_setup.Settings.RunDirectory, RunDirectory.MetricsFileName);
        if (_recovered is null)
        {
            _csv = MetricsCsv.Rewrite(metricsPath, []);
            SaveCheckpoint(Continue);
            return;
        }
        if (_recovered.State.Config != _setup.Start.Config)
            throw new RunStoreException("the checkpoint store holds a run of another configuration");
        _state = _lastCheckpoint = _recovered.State;
        _history = [.. _recovered.History];
        _recovered = null;
        _csv = MetricsCsv.Rewrite(metricsPath, _history);
        Continue();
    }

    /// <summary>The next step from a checkpointed or just-completed state: finish, stop, or run the next round.</summary>
    private void Continue()
    {
        if (_state.IsFinished) Complete(RunOutcome.Finished, null);
        else if (_stopRequested) Complete(RunOutcome.Stopped, $"stopped after round {_state.Round}");
        else StartRound();
    }

    private void StartRound()
    {
        var config = _state.Config;
        var blocks = new BlockStates[config.BlockCount];
        for (var b = 0; b < blocks.Length; b++)
        {
            var (first, count) = config.Block(b);
            blocks[b] = new BlockStates(b, _state.ChainStates.AsSpan(first, count).ToArray());
        }
        _roundClock.Restart();
        _setup.Aggregator.Tell(new RoundStarted(_state.Round, config, _state.Parameters, blocks));
        Timers.StartSingleTimer(RoundTimer,
            new TimedOut($"round {_state.Round} got no statistics within {_setup.RoundTimeout}; stopping the run"), _setup.RoundTimeout);
    }

    private void OnStatistics(NodeStatistics message)
    {
        if (message.Round != _state.Round) return;
        Timers.Cancel(RoundTimer);
        var config = _state.Config;
        var chainStates = (byte[])_state.ChainStates.Clone();
        var covered = 0;
        foreach (var block in message.Blocks)
        {
            var (first, count) = config.Block(block.BlockId);
            if (block.States.Length != count) throw new InvalidOperationException($"block {block.BlockId} came back with {block.States.Length} states for {count} chains");
            block.States.CopyTo(chainStates, first);
            covered += count;
        }
        if (covered != config.Chains) throw new InvalidOperationException($"round {_state.Round} came back with {covered} of {config.Chains} chains");

        TrainingState next;
        RoundMetrics metrics;
        try
        {
            (next, metrics) = RoundComputation.Apply(_state, message.Statistics, chainStates, _setup.Data.Train);
        }
        catch (NonFiniteGradientException e)
        {
            Diverge(e.Message);
            return;
        }
        _state = next;
        var seconds = _roundClock.Elapsed.TotalSeconds;
        var stepsPerSecond = (double)config.Chains * config.Sweeps / seconds;

        LikelihoodFigure? train = null, test = null;
        var every = _setup.Settings.EvaluateEvery;
        if (_state.IsFinished || (every > 0 && _state.Round % every == 0))
        {
            try
            {
                (train, test) = _setup.Evaluate(_state, _setup.Data);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or OverflowException)
            {
                // Parameters can stay finite yet be so large that no likelihood is computable: that run has diverged too.
                Diverge($"the model after round {_state.Round - 1} cannot be evaluated ({e.Message}); stopping at the last good checkpoint");
                return;
            }
        }

        var row = new MetricsRow(metrics, train, test, stepsPerSecond);
        _history.Add(row);
        _csv!.Append(row);
        _setup.OnProgress(new RoundProgress(metrics, 1 / seconds, stepsPerSecond, test, train));

        if (_state.IsFinished || _stopRequested || _state.Round % _setup.Settings.CheckpointEvery == 0) SaveCheckpoint(Continue);
        else Continue();
    }

    private void SaveCheckpoint(Action then)
    {
        var checkpoint = new Checkpoint(_state, _history.ToArray());
        _afterCheckpoint = then;
        Timers.StartSingleTimer(CheckpointTimer,
            new TimedOut($"the checkpoint of round {_state.Round} was not written within {_setup.CheckpointTimeout}; stopping the run"),
            _setup.CheckpointTimeout);
        Persist(new CheckpointTaken(_state.Round), _ => SaveSnapshot(checkpoint));
    }

    private void OnCheckpointSaved()
    {
        Timers.Cancel(CheckpointTimer);
        _lastCheckpoint = _state;
        var then = _afterCheckpoint;
        _afterCheckpoint = null;
        then?.Invoke();
    }

    /// <summary>Ends the run at the last good checkpoint; the bad state is never persisted.</summary>
    private void Diverge(string reason)
    {
        _state = _lastCheckpoint;
        Complete(RunOutcome.Diverged, $"{reason} (round {_lastCheckpoint.Round})");
    }

    private void Complete(RunOutcome outcome, string? message)
    {
        _setup.Completion.TrySetResult(new RunResult(outcome, _state, message, 0));
        Context.Stop(Self);
    }

    private void Fail(Exception error)
    {
        _setup.Completion.TrySetException(error);
        Context.Stop(Self);
    }

    /// <summary>Any exception in a step ends the run with that exception rather than restarting the coordinator.</summary>
    private void Guard(Action step)
    {
        try
        {
            step();
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private sealed record Begin
    {
        public static Begin Instance { get; } = new();
    }

    private sealed record TimedOut(string What);
}
