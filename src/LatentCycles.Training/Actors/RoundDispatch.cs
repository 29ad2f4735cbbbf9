using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;
using LatentCycles.Training.DataPlane;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// The coordinator's node registry and the round in flight among its nodes. Per round it splits the blocks over the
/// registered nodes (<see cref="RoundWork{TNode}"/>), sends each its share in one <see cref="RoundStarted"/>, sums the
/// returned statistics (integers: any grouping gives the same bits), and gives a lost or silent node's blocks to the
/// others from their round-start states. A node that registers mid-round takes blocks still unassigned, else blocks of
/// the next round. Runs on the coordinator's thread, inside its message handlers.
/// </summary>
internal sealed class RoundDispatch : IDisposable
{
    private const string RoundTimer = "round";

    private readonly CoordinatorSetup _setup;
    private readonly IActorContext _context;
    private readonly ITimerScheduler _timers;

    private readonly Dictionary<IActorRef, NodeShare<IActorRef>> _nodes = new();
    private readonly Stopwatch _roundClock = new();
    private RoundWork<IActorRef>? _work;
    // The last completed round's statistics total, reused by the next round: the run step applies a completed round
    // before it starts the next, so the buffer (K·K·N·2 longs, 1.25 MB for K = 10, N = 784) is free by then.
    private ChainStatistics? _spareTotal;
    // The node that handed _spareTotal over with its reply, if one did: a node in this process gets it back.
    private IActorRef? _spareOwner;
    private TrainingState? _waitingToStart;
    private bool _enoughNodesSeen;
    private bool _waitingForNodes;
    private CoordinatorDataLinks? _links;
    private bool _profiledRoundOpen;

    /// <summary>In a cluster, subscribes the coordinator to the members that become unreachable or leave.</summary>
    public RoundDispatch(CoordinatorSetup setup, IActorContext context, ITimerScheduler timers)
    {
        _setup = setup;
        _context = context;
        _timers = timers;
        if (_setup.InCluster)
            Cluster.Get(_context.System).Subscribe(_context.Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
    }

    /// <summary>Starts the round after <paramref name="state"/>, or waits for nodes to register.</summary>
    public void Start(TrainingState state)
    {
        EndProfiledRound(RoundProfile.Now);
        _waitingToStart = state;
        TryStart();
    }

    /// <summary>A node that announces a data port is taken in once its data link is open (docs/CLUSTER.md, "Data plane").</summary>
    public void OnRegisterNode(IActorRef node, RegisterNode message)
    {
        if (message.DataPort == 0 || !IsRemote(node))
        {
            Register(node, message.Threads, acknowledge: true);
            return;
        }
        _links ??= new CoordinatorDataLinks(_context.Self, _context.System.Settings.Config);
        if (_links.IsOpen(node)) Register(node, message.Threads, acknowledge: true);
        else _links.Open(node, message.Threads, message.DataPort);
    }

    public void OnDataLinkOpened(DataLinkOpened opened)
    {
        if (_links?.IsCurrent(opened.Node, opened.Link) != true) return;
        Register(opened.Node, opened.Threads, acknowledge: true);
        if (!_nodes.ContainsKey(opened.Node)) _links.Close(opened.Node);
    }

    public void OnDataLinkLost(DataLinkLost lost)
    {
        if (_links?.IsCurrent(lost.Node, lost.Link) != true) return;
        _links.Close(lost.Node);
        if (_nodes.ContainsKey(lost.Node)) Lose(n => n.Equals(lost.Node), $"the data link to node {lost.Node.Path.Address} broke ({lost.Reason})");
        else _setup.OnNotice($"cannot open a data link to node {lost.Node.Path.Address} ({lost.Reason}); trying again when it registers again");
    }

    public void Dispose()
    {
        if (_setup.InCluster) Cluster.Get(_context.System).Unsubscribe(_context.Self);
        _links?.Dispose();
    }

    /// <summary>A profiled round ends when the next one starts or the run ends, with everything after it done.</summary>
    public void EndProfiledRound(long now)
    {
        if (_profiledRoundOpen) _setup.Settings.Profile?.RoundEnded(now);
        _profiledRoundOpen = false;
    }

    public void LoseMember(Member member, string what) => Lose(n => n.Path.Address == member.Address, $"node {member.Address} {what}");

    public void Register(IActorRef node, int threads, bool acknowledge)
    {
        if (threads < 1 || _nodes.ContainsKey(node)) return;
        if (_setup.InCluster && IsRemote(node) && Cluster.Get(_context.System).State.Unreachable.Any(m => m.Address == node.Path.Address)) return;
        _nodes[node] = new NodeShare<IActorRef>(node, threads);
        _context.Watch(node);
        if (acknowledge) node.Tell(NodeRegistered.Instance);
        if (IsRemote(node)) _setup.OnNotice($"node {node.Path.Address} joined with {threads} chain threads");
        if (_waitingToStart is not null) TryStart();
        else if (_work is { IsComplete: false }) Dispatch();
    }

    /// <summary>Drops the matching nodes; their uncounted blocks go to the others.</summary>
    public void Lose(Func<IActorRef, bool> matches, string reason)
    {
        var lost = _nodes.Keys.Where(matches).ToList();
        if (lost.Count == 0) return;
        foreach (var node in lost)
        {
            _nodes.Remove(node);
            _links?.Close(node);
            _context.Unwatch(node);
            _work?.Lose(node);
        }
        if (!_setup.InCluster && _nodes.Count == 0)
            throw new InvalidOperationException($"{reason} during the run (see the error logged above)");
        if (_work is not { IsComplete: false }) _setup.OnNotice(reason);
        else if (_nodes.Count == 0) _setup.OnNotice($"{reason}; no node left to run round {_work.Round + 1}, waiting for workers");
        else _setup.OnNotice($"{reason}; its blocks of round {_work.Round + 1} go to the other nodes");
        if (_work is { IsComplete: false }) Dispatch();
    }

    /// <summary>
    /// Nodes that hold blocks and stayed silent for the round timeout are dropped and their blocks go to the others; on
    /// one host, with nobody else to take them, the run fails instead of hanging.
    /// </summary>
    public void OnTimedOut(RoundTimedOut timeout)
    {
        var work = _work;
        if (work is null || work.Round != timeout.StartRound || work.IsComplete) return;
        var silent = work.Outstanding.ToHashSet();
        var round = work.Round + 1;
        if (!_setup.InCluster && _nodes.Keys.All(silent.Contains))
            throw new TimeoutException($"round {round} got no statistics within {_setup.RoundTimeout}; stopping the run");
        Lose(silent.Contains, $"{silent.Count} node(s) sent no statistics for round {round} within {_setup.RoundTimeout}");
    }

    /// <summary>Takes a node's statistics; the completed round once every block is counted, else null.</summary>
    public RunInput.RoundCompleted? Accept(IActorRef node, NodeStatistics message, double sessionSeconds)
    {
        var work = _work;
        if (work is null) return null;
        var received = RoundProfile.Now;
        work.Accept(node, message);
        _setup.Settings.Profile?.Lap(RoundPhase.Merge, received);
        if (!work.IsComplete)
        {
            // The sender is idle again, and a dropped reply may have returned blocks to the pool.
            Dispatch();
            return null;
        }
        _timers.Cancel(RoundTimer);
        _work = null;
        _spareTotal = work.Total;
        _spareOwner = work.TotalFrom;
        var timing = new RoundTiming(_roundClock.Elapsed.TotalSeconds, sessionSeconds, work.Contributors, DateTimeOffset.UtcNow);
        return new RunInput.RoundCompleted(work.Total, work.EndStates, timing);
    }

    private void TryStart()
    {
        // MinRemoteNodes holds back the first round only; later rounds run on whatever nodes are left.
        var remote = _nodes.Keys.Count(IsRemote);
        _enoughNodesSeen |= remote >= _setup.MinRemoteNodes;
        var state = _waitingToStart!;
        if (!_enoughNodesSeen || _nodes.Count == 0)
        {
            if (!_waitingForNodes)
                _setup.OnNotice(_enoughNodesSeen
                    ? $"no node left to run round {state.Round + 1}; waiting for workers"
                    : $"waiting for workers: {remote} of {_setup.MinRemoteNodes} registered");
            _waitingForNodes = true;
            return;
        }
        _waitingForNodes = false;
        _waitingToStart = null;
        var started = RoundProfile.Now;
        _setup.Settings.Profile?.RoundStarted(started);
        _profiledRoundOpen = true;
        // The last round is applied: a total handed over by a node in this process goes back to it for reuse; any
        // other stays here as the buffer to sum into.
        if (_spareOwner is { } owner && _spareTotal is { } spare && !IsRemote(owner) && _nodes.ContainsKey(owner))
        {
            owner.Tell(new SpareStatistics(spare));
            _spareTotal = null;
        }
        _spareOwner = null;
        _work = new RoundWork<IActorRef>(state, _spareTotal);
        _spareTotal = null;
        _roundClock.Restart();
        Dispatch();
        _setup.Settings.Profile?.Lap(RoundPhase.Dispatch, started);
    }

    /// <summary>Sends the round's unassigned blocks to the idle nodes, and (re)starts the round timer if any went out.</summary>
    private void Dispatch()
    {
        var work = _work!;
        var nodes = _nodes.Values.OrderBy(n => n.Node.Path.ToString(), StringComparer.Ordinal).ToList();
        var assignments = work.Assign(nodes);
        foreach (var (node, blocks) in assignments)
        {
            var message = new RoundStarted(work.Round, work.Start.Config, work.Start.Parameters, blocks);
            if (_links?.TrySend(node, message) != true) node.Tell(message);
        }
        if (assignments.Count > 0) _timers.StartSingleTimer(RoundTimer, new RoundTimedOut(work.Round), _setup.RoundTimeout);
    }

    private static bool IsRemote(IActorRef node) => node is not IActorRefScope { IsLocal: true };

    /// <summary>The round started from <paramref name="StartRound"/> rounds completed has not finished in time.</summary>
    internal sealed record RoundTimedOut(int StartRound);
}
