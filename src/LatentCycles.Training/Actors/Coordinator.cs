using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using LatentCycles.Core.Training;
using LatentCycles.Training.DataPlane;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Owns the run: a <see cref="RunState"/> advanced by the pure <see cref="RunStep"/>, whose effects it carries out —
/// rounds over the registered nodes (<see cref="RoundDispatch"/>), evaluations (on the <see cref="Evaluator"/> child, while
/// the next rounds run), metrics.csv rows and progress, and
/// checkpoints (a <see cref="CheckpointTaken"/> event plus a <see cref="Checkpoint"/> snapshot). Recovery restores the
/// latest snapshot; the rounds after it are recomputed bit for bit because every random stream is keyed by round.
/// </summary>
internal sealed class Coordinator : ReceivePersistentActor, IWithTimers
{
    private const string CheckpointTimer = "checkpoint";

    private readonly CoordinatorSetup _setup;
    private readonly RunStep _step;
    private readonly RoundProfile? _profile;
    private readonly Stopwatch _sessionClock = new();
    private RunState _run;
    private RoundDispatch _dispatch = null!;
    private IActorRef _evaluator = ActorRefs.Nobody;
    private MetricsCsv? _csv;
    private long _checkpointStarted;

    public Coordinator(CoordinatorSetup setup)
    {
        _setup = setup;
        _profile = setup.Settings.Profile;
        _step = new RunStep(new RunPolicy(setup.Settings.CheckpointEvery, setup.Settings.EvaluateEvery), setup.Data.Train, _profile);
        _run = RunState.New(setup.Start);
        Recover<SnapshotOffer>(offer => _run = offer.Snapshot is Checkpoint c ? RunState.Resumed(Extended(c.State), c.History) : _run);
        Recover<CheckpointTaken>(_ => { });
        Recover<RecoveryCompleted>(_ => Self.Tell(new Begin()));
        Command<Begin>(_ => Guard(BeginRun));
        Command<RegisterNode>(m => Guard(() => _dispatch.OnRegisterNode(Sender, m)));
        Command<DataLinkOpened>(m => Guard(() => _dispatch.OnDataLinkOpened(m)));
        Command<DataLinkLost>(m => Guard(() => _dispatch.OnDataLinkLost(m)));
        Command<NodeStatistics>(m => Guard(() =>
        {
            if (_dispatch.Accept(Sender, m, _sessionClock.Elapsed.TotalSeconds) is { } completed) Step(completed);
        }));
        Command<StopRequested>(_ => Guard(() => Step(new RunInput.StopRequested())));
        Command<RunInput>(answer => Guard(() => Step(answer)));
        Command<SaveSnapshotSuccess>(_ => Guard(() =>
        {
            Timers.Cancel(CheckpointTimer);
            if (_run.CheckpointInFlight is not { } saved) return;
            _setup.OnCheckpoint?.Invoke(saved);
            Step(new RunInput.CheckpointSaved(saved.Round));
        }));
        Command<SaveSnapshotFailure>(f => Fail(new RunStoreException($"writing the checkpoint of round {CheckpointRound} failed: {f.Cause.Message}", f.Cause)));
        Command<RoundDispatch.RoundTimedOut>(t => Guard(() => _dispatch.OnTimedOut(t)));
        Command<CheckpointTimedOut>(t => Fail(new TimeoutException(
            $"the checkpoint of round {t.Round} was not written within {_setup.CheckpointTimeout}; stopping the run")));
        Command<Terminated>(t => Guard(() => _dispatch.Lose(n => n.Equals(t.ActorRef), $"the node aggregator {t.ActorRef.Path} stopped")));
        Command<ClusterEvent.UnreachableMember>(m => Guard(() => _dispatch.LoseMember(m.Member, "is unreachable")));
        Command<ClusterEvent.MemberRemoved>(m => Guard(() => _dispatch.LoseMember(m.Member, "left the cluster")));
    }

    public override string PersistenceId => _setup.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSetup setup) => Akka.Actor.Props.Create(() => new Coordinator(setup));

    private int CheckpointRound => _run.CheckpointInFlight?.Round ?? _run.Current.Round;

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        Fail(new RunStoreException($"cannot read the checkpoint store: {reason.Message}", reason));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Fail(new RunStoreException($"writing the checkpoint of round {CheckpointRound} failed: {cause.Message}", cause));

    protected override void PreStart()
    {
        base.PreStart();
        _dispatch = new RoundDispatch(_setup, Context, Timers);
        _evaluator = Context.ActorOf(Evaluator.Props(_setup.Evaluate, _profile), "evaluator");
    }

    protected override void PostStop()
    {
        _dispatch.Dispose();
        _csv?.Dispose();
        _setup.Completion.TrySetException(new InvalidOperationException("the training coordinator stopped before the run ended"));
        base.PostStop();
    }

    private void BeginRun()
    {
        foreach (var node in _setup.Nodes) _dispatch.Register(node.Node, node.Threads, acknowledge: false);
        if (_run.Current.Config != _setup.Start.Config)
            throw new RunStoreException("the checkpoint store holds a run of another configuration");
        _sessionClock.Start();
        Carry(_step.Begin(_run));
    }

    /// <summary>A stored state of this run with fewer rounds than the start's: the run is being extended to the start's rounds.</summary>
    private TrainingState Extended(TrainingState stored) =>
        stored.Config != _setup.Start.Config && TrainingState.Extends(_setup.Start.Config, stored.Config)
            ? stored.WithRounds(_setup.Start.Config.Rounds)
            : stored;

    private void Step(RunInput input) => Carry(_step.Next(_run, input));

    private void Carry(RunTransition transition)
    {
        _run = transition.State;
        foreach (var effect in transition.Effects)
        {
            var started = RoundProfile.Now;
            switch (effect)
            {
                case RunEffect.StartRound start:
                    _dispatch.Start(start.State);
                    break;
                case RunEffect.Evaluate evaluate:
                    _evaluator.Tell(evaluate);
                    break;
                case RunEffect.RewriteMetrics rewrite:
                    _csv?.Dispose();
                    _csv = MetricsCsv.Rewrite(Path.Combine(_setup.Settings.RunDirectory, RunDirectory.MetricsFileName), rewrite.History);
                    break;
                case RunEffect.WriteRow write:
                    _csv!.Append(write.Row);
                    _setup.OnProgress(write.Row);
                    _profile?.Lap(RoundPhase.Metrics, started);
                    break;
                case RunEffect.SaveCheckpoint save:
                    _checkpointStarted = started;
                    SaveCheckpoint(new Checkpoint(save.State, save.History));
                    break;
                case RunEffect.Finish finish:
                    _dispatch.EndProfiledRound(started);
                    _setup.Completion.TrySetResult(new RunResult(finish.Outcome, finish.State, finish.Message, 0));
                    Context.Stop(Self);
                    break;
            }
        }
    }

    /// <summary>One checkpoint is in flight at a time (the run step waits for it), so this persists one event.</summary>
    private void SaveCheckpoint(Checkpoint checkpoint)
    {
        Timers.StartSingleTimer(CheckpointTimer, new CheckpointTimedOut(checkpoint.State.Round), _setup.CheckpointTimeout);
        Persist(new CheckpointTaken(checkpoint.State.Round), _ =>
        {
            // The event holds up the coordinator's messages until it is journaled; the snapshot is written beside the rounds.
            _profile?.Lap(RoundPhase.Checkpoint, _checkpointStarted);
            SaveSnapshot(checkpoint);
        });
    }

    private void Fail(Exception error)
    {
        _setup.Completion.TrySetException(error);
        Context.Stop(Self);
    }

    /// <summary>Any exception in a step ends the run with that exception rather than restarting the coordinator.</summary>
    private void Guard(Action step)
    {
        try { step(); }
        catch (Exception e) { Fail(e); }
    }

    private sealed record Begin;

    private sealed record CheckpointTimedOut(int Round);
}
