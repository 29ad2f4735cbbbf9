using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using LatentCycles.Core.Training;
using LatentCycles.Training.DataPlane;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Owns the run: a <see cref="RunState"/> advanced by the pure <see cref="RunStep"/>, whose effects it carries out —
/// rounds over the registered nodes (<see cref="RoundDispatch"/>), evaluations (on the <see cref="Evaluator"/> child, while
/// the next rounds run), metrics.csv rows and progress, and checkpoints (<see cref="CheckpointWriter"/>: an event with the
/// metrics rows since the last, a snapshot of the training state, retention). Recovery replays every event, which
/// rebuilds the metrics history, then loads the latest snapshot; the rounds after it are recomputed bit for bit because
/// every random stream is keyed by round.
/// </summary>
internal sealed class Coordinator : ReceivePersistentActor, IWithTimers
{
    private readonly CoordinatorSetup _setup;
    private readonly RunStep _step;
    private readonly RoundProfile? _profile;
    private readonly Stopwatch _sessionClock = new();
    private RunState _run;
    private RoundDispatch _dispatch = null!;
    private IActorRef _evaluator = ActorRefs.Nobody;
    private MetricsCsv? _csv;
    private CheckpointWriter _checkpoints = null!;
    /// <summary>The round in flight's <see cref="ParameterTerms"/>, computed after its blocks went out.</summary>
    private ParameterTerms? _terms;

    public Coordinator(CoordinatorSetup setup)
    {
        _setup = setup;
        _profile = setup.Settings.Profile;
        _step = new RunStep(new RunPolicy(setup.Settings.CheckpointEvery, setup.Settings.EvaluateEvery), setup.Data.Train, _profile);
        _run = RunState.New(setup.Start);
        Recover<CheckpointTaken>(taken => _checkpoints.Recover(taken));
        Recover<RecoveryCompleted>(_ => LoadSnapshot(PersistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue));
        Command<LoadSnapshotResult>(loaded => Guard(() =>
        {
            if (loaded.Snapshot?.Snapshot is Checkpoint checkpoint) _run = _checkpoints.Resumed(checkpoint);
            BeginRun();
        }));
        Command<LoadSnapshotFailed>(failed => Fail(new RunStoreException($"cannot read the latest checkpoint: {failed.Cause.Message}", failed.Cause)));
        Command<RegisterNode>(m => Guard(() => _dispatch.OnRegisterNode(Sender, m)));
        Command<DataLinkOpened>(m => Guard(() => _dispatch.OnDataLinkOpened(m)));
        Command<DataLinkLost>(m => Guard(() => _dispatch.OnDataLinkLost(m)));
        Command<NodeStatistics>(m => Guard(() =>
        {
            if (_dispatch.Accept(Sender, m, _sessionClock.Elapsed.TotalSeconds) is { } completed) Step(completed with { Terms = _terms });
        }));
        Command<StopRequested>(_ => Guard(() => Step(new RunInput.StopRequested())));
        Command<RunInput>(answer => Guard(() => Step(answer)));
        Command<SaveSnapshotSuccess>(_ => Guard(() =>
        {
            if (_run.CheckpointInFlight is not { } saved) return;
            _setup.OnCheckpoint?.Invoke(saved);
            _checkpoints.Saved();
            Step(new RunInput.CheckpointSaved(saved.Round));
        }));
        Command<DeleteSnapshotsSuccess>(_ => Guard(() => SnapshotsDeleted(null)));
        Command<DeleteSnapshotsFailure>(f => Guard(() => SnapshotsDeleted(f)));
        Command<SaveSnapshotFailure>(f => Fail(new RunStoreException($"writing the checkpoint of round {CheckpointRound} failed: {f.Cause.Message}", f.Cause)));
        Command<RoundDispatch.RoundTimedOut>(t => Guard(() => _dispatch.OnTimedOut(t)));
        Command<CheckpointWriter.TimedOut>(t => Fail(new TimeoutException(
            $"the checkpoint of round {t.Round} was not written within {_setup.CheckpointTimeout}; stopping the run")));
        Command<Terminated>(t => Guard(() => _dispatch.Lose(n => n.Equals(t.ActorRef), $"the node aggregator {t.ActorRef.Path} stopped")));
        Command<ClusterEvent.UnreachableMember>(m => Guard(() => _dispatch.LoseMember(m.Member, "is unreachable")));
        Command<ClusterEvent.MemberRemoved>(m => Guard(() => _dispatch.LoseMember(m.Member, "left the cluster")));
    }

    public override string PersistenceId => _setup.PersistenceId;

    /// <summary>Every event, no snapshot: the events hold the metrics history; the latest snapshot is loaded afterwards.</summary>
    public override Recovery Recovery { get; } = new(SnapshotSelectionCriteria.None);

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
        _checkpoints = new CheckpointWriter(_setup, Timers, Context.GetLogger(), (e, handler) => Persist(e, handler), () => LastSequenceNr,
            checkpoint => SaveSnapshot(checkpoint), criteria => DeleteSnapshots(criteria));
        _evaluator = Context.ActorOf(Evaluator.Props(_setup.Evaluate, _setup.EvaluateWhenBehind ?? _setup.Evaluate, _profile), "evaluator");
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

    private void Step(RunInput input) => Carry(_step.Next(_run, input));

    private void Carry(RunTransition transition)
    {
        _run = transition.State;
        TrainingState? started = null;
        foreach (var effect in transition.Effects)
        {
            var now = RoundProfile.Now;
            switch (effect)
            {
                case RunEffect.StartRound start:
                    _dispatch.Start(start.State);
                    started = start.State;
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
                    _profile?.Lap(RoundPhase.Metrics, now);
                    break;
                case RunEffect.SaveCheckpoint save:
                    _checkpoints.Save(save);
                    break;
                case RunEffect.Finish finish:
                    _dispatch.EndProfiledRound(now);
                    if (!_checkpoints.Holds(finish)) Finish(finish);
                    break;
            }
        }
        // The round's terms that need only its parameters are computed here, once its blocks are out and the other effects
        // are done, while the chains sweep; its statistics wait in the mailbox if they come back first.
        if (started is not null)
        {
            var since = RoundProfile.Now;
            _terms = RoundComputation.ParameterTermsOf(started, _setup.Data.Train);
            _profile?.Lap(RoundPhase.ParameterTerms, since);
        }
    }

    private void SnapshotsDeleted(DeleteSnapshotsFailure? failure)
    {
        if (_checkpoints.Deleted(failure) is { } finish) Finish(finish);
    }

    private void Finish(RunEffect.Finish finish)
    {
        _setup.Completion.TrySetResult(new RunResult(finish.Outcome, finish.State, finish.Message, 0));
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
        try { step(); }
        catch (Exception e) { Fail(e); }
    }
}
