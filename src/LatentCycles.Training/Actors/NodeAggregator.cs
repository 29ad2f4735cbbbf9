using Akka.Actor;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// One per node: receives an assignment (<see cref="RoundStarted"/>: a round's parameters and some of its blocks),
/// prepares the parameters once (<see cref="PreparedParameters"/>, shared read-only by its workers), puts the blocks in
/// one <see cref="BlockQueue"/> that all its chain workers take from, and answers with one <see cref="NodeStatistics"/>:
/// the sum of the workers' accumulators and every block's end states in block-id order. Each worker adds all the blocks
/// it runs in an assignment into its own accumulator, which it clears itself before its first block (on its own core,
/// while the others sweep); the statistics are integers, so the sum is the same bits whichever worker ran which block.
/// The sum is one worker's accumulator, handed over with the reply (the others are drained into it); a coordinator in
/// the same process gives it back (<see cref="SpareStatistics"/>) once the round is applied, so a round allocates no
/// statistics. Assignments are served one at a time, in arrival order.
/// In a cluster it registers with the coordinator (<see cref="RegisterNode"/> through the singleton proxy) every
/// latentcycles.registration-interval: the explicit handshake the coordinator counts nodes by.
/// </summary>
public sealed class NodeAggregator : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    private readonly List<WorkerSlot> _workers = [];
    private readonly IActorRef? _coordinator;
    private readonly Action<string> _onNotice;
    private readonly RoundProfile? _profile;
    private Address? _registeredWith;
    private bool _hadBlocks;
    private Assignment? _assignment;
    /// <summary>A buffer handed over earlier and given back by the coordinator: the next worker slot without one takes it.</summary>
    private ChainStatistics? _spare;

    /// <param name="workerCount">Chain workers, one per thread of the chain dispatcher.</param>
    /// <param name="coordinator">Where to register (the coordinator singleton's proxy); null when the coordinator knows this node from the start.</param>
    /// <param name="onNotice">News for the operator: registered, first blocks taken.</param>
    /// <param name="dataPort">The port of this node's data plane, announced in its registrations; 0 for none.</param>
    /// <param name="profile">Times the node's phases of each round when given.</param>
    public NodeAggregator(int workerCount, IActorRef? coordinator = null, Action<string>? onNotice = null, int dataPort = 0,
        RoundProfile? profile = null)
    {
        _coordinator = coordinator;
        _onNotice = onNotice ?? (_ => { });
        _profile = profile;
        if (workerCount < 1) throw new ArgumentOutOfRangeException(nameof(workerCount), $"a node needs at least 1 chain worker, got {workerCount}");
        for (var j = 0; j < workerCount; j++) _workers.Add(new WorkerSlot(Context.ActorOf(ChainWorker.Props(), $"chain-worker-{j}")));
        Receive<RoundStarted>(Start);
        Receive<BlocksDone>(Collect);
        Receive<SpareStatistics>(m => _spare = m.Statistics);
        Receive<RegistrationDue>(_ => _coordinator!.Tell(new RegisterNode(workerCount, dataPort)));
        Receive<NodeRegistered>(_ => OnRegistered(Sender.Path.Address));
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(int workerCount, IActorRef? coordinator = null, Action<string>? onNotice = null, int dataPort = 0,
        RoundProfile? profile = null) =>
        Akka.Actor.Props.Create(() => new NodeAggregator(workerCount, coordinator, onNotice, dataPort, profile));

    protected override void PreStart()
    {
        if (_coordinator is null) return;
        var interval = Context.System.Settings.Config.GetTimeSpan(TrainingTimeouts.RegistrationIntervalPath, TrainingTimeouts.RegistrationInterval);
        Self.Tell(RegistrationDue.Instance);
        Timers.StartPeriodicTimer(RegistrationDue.Instance, RegistrationDue.Instance, interval);
    }

    private void OnRegistered(Address coordinator)
    {
        if (coordinator == _registeredWith) return;
        _registeredWith = coordinator;
        _onNotice($"registered with the coordinator at {coordinator}");
    }

    /// <summary>A worker failure is a bug in the round, not something a retry fixes: stop, and let the round time out loudly.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    private void Start(RoundStarted message)
    {
        if (_assignment is not null)
        {
            Stash.Stash();
            return;
        }
        var received = RoundProfile.Now;
        var prepared = new PreparedParameters(message.Parameters);
        foreach (var slot in _workers) slot.Reset(prepared.K, prepared.N, ref _spare);
        var blocks = message.Blocks.OrderBy(b => b.BlockId).ToArray();
        if (!_hadBlocks && blocks.Length > 0)
        {
            _hadBlocks = true;
            _onNotice($"running blocks from round {message.Round} on");
        }
        _assignment = new Assignment(message, Sender, prepared, blocks);
        _assignment.PhaseStart = _profile?.Lap(RoundPhase.Prepare, received) ?? received;
        if (blocks.Length == 0) Reply(_assignment);
        else Dispatch(_assignment);
    }

    private void Dispatch(Assignment assignment)
    {
        // Every worker is idle here (assignments are served one at a time); more workers than blocks would find the queue empty.
        var queue = new BlockQueue(assignment.Blocks);
        foreach (var slot in _workers.Take(Math.Min(_workers.Count, assignment.Blocks.Length)))
        {
            // The workers advance the blocks' states in place: the assignment's arrays are this round's own copies.
            slot.Worker.Tell(new RunBlocks(assignment.Message.Round, assignment.Message.Config, assignment.Prepared, queue, slot.Accumulator!,
                slot.NeedsClear));
            slot.NeedsClear = false;
            assignment.Running++;
        }
    }

    private void Collect(BlocksDone done)
    {
        var slot = _workers.First(w => w.Worker.Equals(Sender));
        if (done.BlockCount > 0) slot.Used = true;
        var assignment = _assignment!;
        if (--assignment.Running > 0) return;
        assignment.PhaseStart = _profile?.Lap(RoundPhase.Sweeps, assignment.PhaseStart) ?? assignment.PhaseStart;
        Reply(assignment);
    }

    private void Reply(Assignment assignment)
    {
        var used = _workers.Where(w => w.Used).ToList();
        var totalSlot = used.Count > 0 ? used[0] : _workers[0];
        // A slot no worker ran this time may still hold a buffer waiting to be cleared.
        if (totalSlot.NeedsClear)
        {
            totalSlot.Accumulator!.Clear();
            totalSlot.NeedsClear = false;
        }
        var total = totalSlot.Accumulator!;
        // The other workers' sums move into the total, leaving their accumulators clear for the next assignment.
        foreach (var other in used.Skip(1)) other.DrainInto(total);
        // The total goes with the reply: a coordinator in this process keeps it as the round's sum (no copy), a remote
        // reply is serialized later on the remoting thread; either way this node never writes it again.
        totalSlot.HandOver();
        var local = assignment.ReplyTo is IActorRefScope { IsLocal: true };
        _profile?.Lap(RoundPhase.NodeMerge, assignment.PhaseStart);
        assignment.ReplyTo.Tell(new NodeStatistics(assignment.Message.Round, total, assignment.Blocks) { OwnsStatistics = local });
        _assignment = null;
        Stash.UnstashAll();
    }

    /// <summary>A chain worker and its accumulator (K·K·N·2 longs, reused across assignments unless handed over).</summary>
    private sealed class WorkerSlot(IActorRef worker)
    {
        public IActorRef Worker { get; } = worker;
        public ChainStatistics? Accumulator { get; private set; }
        public bool Used { get; set; }

        /// <summary>The accumulator holds old sums: the worker clears it before its first block (<see cref="RunBlocks.ClearFirst"/>).</summary>
        public bool NeedsClear { get; set; }

        /// <summary>
        /// Gives the slot an accumulator of shape (K, N) for a new assignment, to be cleared by its worker when it holds
        /// anything (<see cref="NeedsClear"/>); a slot whose accumulator was handed over takes <paramref name="spare"/>
        /// when it has the shape, else a new one.
        /// </summary>
        public void Reset(int k, int n, ref ChainStatistics? spare)
        {
            if (Accumulator is null && spare is not null && spare.K == k && spare.N == n)
            {
                Accumulator = spare;
                spare = null;
                NeedsClear = true;
            }
            else if (Accumulator is null || Accumulator.K != k || Accumulator.N != n)
            {
                Accumulator = new ChainStatistics(k, n);
                NeedsClear = false;
            }
            else if (Used) NeedsClear = true;
            Used = false;
        }

        /// <summary>Adds this slot's sums into <paramref name="total"/> and leaves the accumulator clear.</summary>
        public void DrainInto(ChainStatistics total)
        {
            total.Drain(Accumulator!);
            Used = false;
        }

        public void HandOver()
        {
            Accumulator = null;
            Used = false;
            NeedsClear = false;
        }
    }

    private sealed record RegistrationDue
    {
        public static RegistrationDue Instance { get; } = new();
    }

    private sealed class Assignment(RoundStarted message, IActorRef replyTo, PreparedParameters prepared, BlockStates[] blocks)
    {
        public RoundStarted Message { get; } = message;
        public IActorRef ReplyTo { get; } = replyTo;
        public PreparedParameters Prepared { get; } = prepared;
        /// <summary>The blocks in block-id order; their states are advanced in place, so at the end they hold the end states.</summary>
        public BlockStates[] Blocks { get; } = blocks;

        /// <summary>Workers that have not yet found the queue empty.</summary>
        public int Running { get; set; }
        public long PhaseStart { get; set; }
    }
}
