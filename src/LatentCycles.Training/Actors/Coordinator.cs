using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training.DataPlane;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>Estimates a model's mean log-likelihood on the training and test sets after round <c>round</c> (MODEL.md §2).</summary>
internal delegate (LikelihoodFigure Train, LikelihoodFigure Test) LikelihoodEvaluator(TrainingState state, DataSplit data);

/// <summary>Everything a coordinator needs for one run.</summary>
/// <param name="Nodes">Node aggregators known from the start (one host: the local one); others register with <see cref="RegisterNode"/>.</param>
/// <param name="MinRemoteNodes">Node aggregators of other processes that must have registered before the first round.</param>
/// <param name="InCluster">Watch cluster membership: an unreachable or removed member loses its blocks at once, and a
/// round with no node left waits for one to register instead of failing.</param>
/// <param name="OnNotice">Human-readable news: nodes joining and lost, waiting for workers.</param>
internal sealed record CoordinatorSetup(
    string PersistenceId,
    TrainingState Start,
    DataSplit Data,
    RunSettings Settings,
    IReadOnlyList<NodeShare<IActorRef>> Nodes,
    int MinRemoteNodes,
    bool InCluster,
    TimeSpan RoundTimeout,
    TimeSpan CheckpointTimeout,
    LikelihoodEvaluator Evaluate,
    Action<RoundProgress> OnProgress,
    Action<string> OnNotice,
    TaskCompletionSource<RunResult> Completion);

/// <summary>
/// Owns the run (ARCHITECTURE.md, "Actors and messages"): the <see cref="TrainingState"/>, the metrics history and the
/// registry of node aggregators. Per round it splits the blocks over the registered nodes (<see cref="RoundWork{TNode}"/>),
/// sends each its share in one <see cref="RoundStarted"/>, sums the returned statistics (integers: any grouping gives the
/// same bits), gives a lost node's blocks to the others from their round-start states, then applies the round with the
/// pure <see cref="RoundComputation.Apply"/>, evaluates every EvaluateEvery rounds, reports progress, appends
/// metrics.csv, and checkpoints (a <see cref="CheckpointTaken"/> event plus a <see cref="Checkpoint"/> snapshot) at the
/// start, every CheckpointEvery rounds, on a stop and at the end. Recovery restores the latest snapshot; the rounds after
/// it are recomputed bit for bit because every random stream is keyed by round. A node that registers mid-round takes
/// blocks still unassigned, else blocks of the next round.
/// </summary>
internal sealed class Coordinator : ReceivePersistentActor, IWithTimers
{
    private const string RoundTimer = "round";
    private const string CheckpointTimer = "checkpoint";

    private readonly CoordinatorSetup _setup;
    private readonly Stopwatch _roundClock = new();
    private readonly Dictionary<IActorRef, NodeShare<IActorRef>> _nodes = new();
    private Checkpoint? _recovered;
    private TrainingState _state;
    private TrainingState _lastCheckpoint;
    private List<MetricsRow> _history = [];
    private MetricsCsv? _csv;
    private RoundWork<IActorRef>? _work;
    private bool _waitingForNodes;
    private bool _enoughNodesSeen;
    private bool _stopRequested;
    private Action? _afterCheckpoint;
    private long _phaseStart;
    private bool _roundOpen;
    private CoordinatorDataLinks? _links;

    public Coordinator(CoordinatorSetup setup)
    {
        _setup = setup;
        _state = _lastCheckpoint = setup.Start;
        Recover<SnapshotOffer>(offer => _recovered = (Checkpoint)offer.Snapshot);
        Recover<CheckpointTaken>(_ => { });
        Recover<RecoveryCompleted>(_ => Self.Tell(Begin.Instance));
        Command<Begin>(_ => Guard(BeginRun));
        Command<RegisterNode>(m => Guard(() => OnRegisterNode(Sender, m)));
        Command<DataLinkOpened>(m => Guard(() => OnDataLinkOpened(m)));
        Command<DataLinkLost>(m => Guard(() => OnDataLinkLost(m)));
        Command<NodeStatistics>(m => Guard(() => OnStatistics(Sender, m)));
        Command<StopRequested>(_ => _stopRequested = true);
        Command<SaveSnapshotSuccess>(_ => Guard(OnCheckpointSaved));
        Command<SaveSnapshotFailure>(f => Fail(new RunStoreException($"writing the checkpoint of round {_state.Round} failed: {f.Cause.Message}", f.Cause)));
        Command<RoundTimedOut>(t => Guard(() => OnRoundTimedOut(t.Round)));
        Command<CheckpointTimedOut>(t => Fail(new TimeoutException(
            $"the checkpoint of round {t.Round} was not written within {_setup.CheckpointTimeout}; stopping the run")));
        Command<Terminated>(t => Guard(() => Lose(n => n.Equals(t.ActorRef), $"the node aggregator {t.ActorRef.Path} stopped")));
        Command<ClusterEvent.UnreachableMember>(m => Guard(() => Lose(n => n.Path.Address == m.Member.Address, $"node {m.Member.Address} is unreachable")));
        Command<ClusterEvent.MemberRemoved>(m => Guard(() => Lose(n => n.Path.Address == m.Member.Address, $"node {m.Member.Address} left the cluster")));
    }

    public override string PersistenceId => _setup.PersistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSetup setup) => Akka.Actor.Props.Create(() => new Coordinator(setup));

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        Fail(new RunStoreException($"cannot read the checkpoint store: {reason.Message}", reason));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Fail(new RunStoreException($"writing the checkpoint of round {_state.Round} failed: {cause.Message}", cause));

    protected override void PreStart()
    {
        base.PreStart();
        if (_setup.InCluster)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (_setup.InCluster) Cluster.Get(Context.System).Unsubscribe(Self);
        _links?.Dispose();
        _csv?.Dispose();
        _setup.Completion.TrySetException(new InvalidOperationException("the training coordinator stopped before the run ended"));
        base.PostStop();
    }

    private void BeginRun()
    {
        foreach (var node in _setup.Nodes) Register(node.Node, node.Threads, acknowledge: false);
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
        if (_roundOpen) _setup.Settings.Profile?.RoundEnded(RoundProfile.Now);
        _roundOpen = false;
        if (_state.IsFinished) Complete(RunOutcome.Finished, null);
        else if (_stopRequested) Complete(RunOutcome.Stopped, $"stopped after round {_state.Round}");
        else StartRound();
    }

    private void StartRound()
    {
        // MinRemoteNodes holds back the first round only; later rounds run on whatever nodes are left.
        var remote = _nodes.Keys.Count(IsRemote);
        _enoughNodesSeen |= remote >= _setup.MinRemoteNodes;
        if (!_enoughNodesSeen || _nodes.Count == 0)
        {
            if (!_waitingForNodes)
                _setup.OnNotice(_enoughNodesSeen
                    ? $"no node left to run round {_state.Round}; waiting for workers"
                    : $"waiting for workers: {remote} of {_setup.MinRemoteNodes} registered");
            _waitingForNodes = true;
            return;
        }
        _waitingForNodes = false;
        _phaseStart = RoundProfile.Now;
        _setup.Settings.Profile?.RoundStarted(_phaseStart);
        _roundOpen = true;
        _work = new RoundWork<IActorRef>(_state);
        _roundClock.Restart();
        Dispatch();
        _setup.Settings.Profile?.Lap(RoundPhase.Dispatch, _phaseStart);
    }

    /// <summary>Sends the round's unassigned blocks to the idle nodes, and (re)starts the round timer if any went out.</summary>
    private void Dispatch()
    {
        var work = _work!;
        var nodes = _nodes.Values.OrderBy(n => n.Node.Path.ToString(), StringComparer.Ordinal).ToList();
        var assignments = work.Assign(nodes);
        foreach (var (node, blocks) in assignments)
        {
            var message = new RoundStarted(work.Round, _state.Config, _state.Parameters, blocks);
            if (_links?.TrySend(node, message) != true) node.Tell(message);
        }
        if (assignments.Count > 0) Timers.StartSingleTimer(RoundTimer, new RoundTimedOut(work.Round), _setup.RoundTimeout);
    }

    /// <summary>A node that announces a data port is taken in once its data link is open (docs/CLUSTER.md, "Data plane").</summary>
    private void OnRegisterNode(IActorRef node, RegisterNode message)
    {
        if (message.DataPort == 0 || !IsRemote(node))
        {
            Register(node, message.Threads, acknowledge: true);
            return;
        }
        _links ??= new CoordinatorDataLinks(Self, Context.System.Settings.Config);
        if (_links.IsOpen(node)) Register(node, message.Threads, acknowledge: true);
        else _links.Open(node, message.Threads, message.DataPort);
    }

    private void OnDataLinkOpened(DataLinkOpened opened)
    {
        if (_links?.IsCurrent(opened.Node, opened.Link) != true) return;
        Register(opened.Node, opened.Threads, acknowledge: true);
        if (!_nodes.ContainsKey(opened.Node)) _links.Close(opened.Node);
    }

    private void OnDataLinkLost(DataLinkLost lost)
    {
        if (_links?.IsCurrent(lost.Node, lost.Link) != true) return;
        _links.Close(lost.Node);
        if (_nodes.ContainsKey(lost.Node)) Lose(n => n.Equals(lost.Node), $"the data link to node {lost.Node.Path.Address} broke ({lost.Reason})");
        else _setup.OnNotice($"cannot open a data link to node {lost.Node.Path.Address} ({lost.Reason}); trying again when it registers again");
    }

    private void Register(IActorRef node, int threads, bool acknowledge)
    {
        if (threads < 1 || _nodes.ContainsKey(node)) return;
        if (_setup.InCluster && IsRemote(node) && Cluster.Get(Context.System).State.Unreachable.Any(m => m.Address == node.Path.Address)) return;
        _nodes[node] = new NodeShare<IActorRef>(node, threads);
        Context.Watch(node);
        if (acknowledge) node.Tell(NodeRegistered.Instance);
        if (IsRemote(node)) _setup.OnNotice($"node {node.Path.Address} joined with {threads} chain threads");
        if (_waitingForNodes) StartRound();
        else if (_work is { IsComplete: false }) Dispatch();
    }

    /// <summary>Drops the matching nodes; their uncounted blocks go to the others.</summary>
    private void Lose(Func<IActorRef, bool> matches, string reason)
    {
        var lost = _nodes.Keys.Where(matches).ToList();
        if (lost.Count == 0) return;
        foreach (var node in lost)
        {
            _nodes.Remove(node);
            _links?.Close(node);
            Context.Unwatch(node);
            _work?.Lose(node);
        }
        if (!_setup.InCluster && _nodes.Count == 0)
            throw new InvalidOperationException($"{reason} during the run (see the error logged above)");
        if (_work is not { IsComplete: false }) _setup.OnNotice(reason);
        else if (_nodes.Count == 0) _setup.OnNotice($"{reason}; no node left to run round {_work.Round}, waiting for workers");
        else _setup.OnNotice($"{reason}; its blocks of round {_work.Round} go to the other nodes");
        if (_work is { IsComplete: false }) Dispatch();
    }

    /// <summary>
    /// Nodes that hold blocks and stayed silent for the round timeout are dropped and their blocks go to the others; on
    /// one host, with nobody else to take them, the run fails instead of hanging.
    /// </summary>
    private void OnRoundTimedOut(int round)
    {
        var work = _work;
        if (work is null || work.Round != round || work.IsComplete) return;
        var silent = work.Outstanding.ToHashSet();
        if (!_setup.InCluster && _nodes.Keys.All(silent.Contains))
            throw new TimeoutException($"round {round} got no statistics within {_setup.RoundTimeout}; stopping the run");
        Lose(silent.Contains, $"{silent.Count} node(s) sent no statistics for round {round} within {_setup.RoundTimeout}");
    }

    private void OnStatistics(IActorRef node, NodeStatistics message)
    {
        var work = _work;
        if (work is null) return;
        var received = RoundProfile.Now;
        work.Accept(node, message);
        _phaseStart = _setup.Settings.Profile?.Lap(RoundPhase.Merge, received) ?? received;
        if (!work.IsComplete)
        {
            // The sender is idle again, and a dropped reply may have returned blocks to the pool.
            Dispatch();
            return;
        }
        Timers.Cancel(RoundTimer);
        _work = null;
        FinishRound(work);
    }

    private void FinishRound(RoundWork<IActorRef> work)
    {
        var config = _state.Config;
        var profile = _setup.Settings.Profile;
        TrainingState next;
        RoundMetrics metrics;
        try
        {
            (next, metrics) = RoundComputation.Apply(_state, work.Total, work.EndStates, _setup.Data.Train, profile);
        }
        catch (NonFiniteGradientException e)
        {
            Diverge(e.Message);
            return;
        }
        _state = next;
        var seconds = _roundClock.Elapsed.TotalSeconds;
        var stepsPerSecond = (double)config.Chains * config.Sweeps / seconds;

        var lap = RoundProfile.Now;
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

        lap = profile?.Lap(RoundPhase.Evaluation, lap) ?? lap;
        var row = new MetricsRow(metrics, train, test, stepsPerSecond, work.Contributors);
        _history.Add(row);
        _csv!.Append(row);
        _setup.OnProgress(new RoundProgress(metrics, 1 / seconds, stepsPerSecond, test, train, work.Contributors));
        _phaseStart = profile?.Lap(RoundPhase.Metrics, lap) ?? lap;

        if (_state.IsFinished || _stopRequested || _state.Round % _setup.Settings.CheckpointEvery == 0) SaveCheckpoint(Continue);
        else Continue();
    }

    private void SaveCheckpoint(Action then)
    {
        var checkpoint = new Checkpoint(_state, _history.ToArray());
        _afterCheckpoint = then;
        Timers.StartSingleTimer(CheckpointTimer, new CheckpointTimedOut(_state.Round), _setup.CheckpointTimeout);
        Persist(new CheckpointTaken(_state.Round), _ => SaveSnapshot(checkpoint));
    }

    private void OnCheckpointSaved()
    {
        Timers.Cancel(CheckpointTimer);
        if (_roundOpen) _setup.Settings.Profile?.Lap(RoundPhase.Checkpoint, _phaseStart);
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

    private sealed record RoundTimedOut(int Round);

    private sealed record CheckpointTimedOut(int Round);

    private static bool IsRemote(IActorRef node) => node is not IActorRefScope { IsLocal: true };
}
