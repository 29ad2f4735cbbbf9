using Akka.Actor;
using LatentCycles.Core.Chains;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// One per node: receives a round's parameters once, prepares them once (<see cref="PreparedParameters"/>, shared
/// read-only by its workers), hands the round's blocks to idle chain workers one at a time, and sums the returned
/// statistics in block-id order, so the sum is bit-identical whichever worker ran which block. Statistics buffers
/// (about a megabyte each) are pooled across blocks and rounds.
/// </summary>
public sealed class NodeAggregator : ReceiveActor
{
    private readonly Queue<IActorRef> _idleWorkers = new();
    private readonly Stack<ChainStatistics> _pool = new();
    private ChainStatistics? _sum;
    private RoundInFlight? _round;

    public NodeAggregator(int workerCount)
    {
        if (workerCount < 1) throw new ArgumentOutOfRangeException(nameof(workerCount), $"a node needs at least 1 chain worker, got {workerCount}");
        for (var j = 0; j < workerCount; j++) _idleWorkers.Enqueue(Context.ActorOf(ChainWorker.Props(), $"chain-worker-{j}"));
        Receive<RoundStarted>(Start);
        Receive<BlockStatistics>(Collect);
    }

    public static Props Props(int workerCount) => Akka.Actor.Props.Create(() => new NodeAggregator(workerCount));

    /// <summary>A worker failure is a bug in the round, not something a retry fixes: stop, and let the round time out loudly.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    private void Start(RoundStarted message)
    {
        var parameters = message.Parameters;
        if (_sum is null || _sum.K != parameters.K || _sum.N != parameters.N)
        {
            _pool.Clear();
            _sum = new ChainStatistics(parameters.K, parameters.N);
        }
        _sum.Clear();
        var blocks = message.Blocks.OrderBy(b => b.BlockId).ToArray();
        _round = new RoundInFlight(message, Sender, new PreparedParameters(parameters), blocks);
        if (blocks.Length == 0) Reply(_round);
        else Dispatch();
    }

    private void Dispatch()
    {
        var round = _round!;
        while (round.NextToSend < round.Blocks.Length && _idleWorkers.Count > 0)
        {
            var block = round.Blocks[round.NextToSend++];
            var buffer = _pool.Count > 0 ? _pool.Pop() : new ChainStatistics(round.Prepared.K, round.Prepared.N);
            _idleWorkers.Dequeue().Tell(new RunBlock(round.Message.Round, round.Message.Config, round.Prepared, block.BlockId,
                (byte[])block.States.Clone(), buffer));
        }
    }

    private void Collect(BlockStatistics done)
    {
        _idleWorkers.Enqueue(Sender);
        var round = _round;
        if (round is null || done.Round != round.Message.Round)
        {
            Release(done.Statistics);
            return;
        }
        round.Received[Array.FindIndex(round.Blocks, b => b.BlockId == done.BlockId)] = done;
        while (round.NextToMerge < round.Blocks.Length && round.Received[round.NextToMerge] is { } next)
        {
            _sum!.Add(next.Statistics);
            Release(next.Statistics);
            round.EndStates[round.NextToMerge] = new BlockStates(next.BlockId, next.EndStates);
            round.Received[round.NextToMerge++] = null;
        }
        if (round.NextToMerge == round.Blocks.Length) Reply(round);
        else Dispatch();
    }

    private void Reply(RoundInFlight round)
    {
        round.ReplyTo.Tell(new NodeStatistics(round.Message.Round, _sum!, round.EndStates));
        _round = null;
    }

    private void Release(ChainStatistics buffer)
    {
        if (_sum is not null && buffer.K == _sum.K && buffer.N == _sum.N) _pool.Push(buffer);
    }

    private sealed class RoundInFlight(RoundStarted message, IActorRef replyTo, PreparedParameters prepared, BlockStates[] blocks)
    {
        public RoundStarted Message { get; } = message;
        public IActorRef ReplyTo { get; } = replyTo;
        public PreparedParameters Prepared { get; } = prepared;
        public BlockStates[] Blocks { get; } = blocks;
        public BlockStatistics?[] Received { get; } = new BlockStatistics?[blocks.Length];
        public BlockStates[] EndStates { get; } = new BlockStates[blocks.Length];
        public int NextToSend { get; set; }
        public int NextToMerge { get; set; }
    }
}
