using Akka.Actor;
using LatentCycles.Core.Chains;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Runs blocks of chains on the chain dispatcher (one worker per thread), taking them from the assignment's shared
/// queue. Owns its <see cref="ChainSweeper"/>, whose scratch buffers keep the hot loop free of allocation; the
/// statistics accumulator is lent by the aggregator.
/// </summary>
public sealed class ChainWorker : ReceiveActor
{
    private ChainSweeper? _sweeper;
    private (int K, int N) _sweeperShape;

    public ChainWorker()
    {
        Receive<RunBlocks>(Run);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ChainWorker()).WithDispatcher(ActorSystemHost.ChainDispatcher);

    private void Run(RunBlocks work)
    {
        var prepared = work.Prepared;
        if (_sweeper is null || _sweeperShape != (prepared.K, prepared.N))
        {
            _sweeper = new ChainSweeper(prepared.K, prepared.N);
            _sweeperShape = (prepared.K, prepared.N);
        }
        if (work.ClearFirst) work.Accumulator.Clear();
        var ran = 0;
        while (work.Queue.Take() is { } block)
        {
            var (first, count) = work.Config.Block(block.BlockId);
            if (block.States.Length != count)
                throw new ArgumentException($"block {block.BlockId} has {count} chains, got {block.States.Length} states");
            _sweeper.Advance(prepared, work.Config.Seed, (uint)work.Round, first, block.States, work.Config.Sweeps, work.Accumulator);
            ran++;
        }
        Sender.Tell(new BlocksDone(work.Round, ran));
    }
}
