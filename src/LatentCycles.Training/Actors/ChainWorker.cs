using Akka.Actor;
using LatentCycles.Core.Chains;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Runs blocks of chains on the chain dispatcher (one worker per thread). Owns its <see cref="ChainSweeper"/>, whose
/// scratch buffers keep the hot loop free of allocation; the statistics accumulator is lent by the aggregator.
/// </summary>
public sealed class ChainWorker : ReceiveActor
{
    private ChainSweeper? _sweeper;
    private (int K, int N) _sweeperShape;

    public ChainWorker()
    {
        Receive<RunBlock>(Run);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ChainWorker()).WithDispatcher(ActorSystemHost.ChainDispatcher);

    private void Run(RunBlock work)
    {
        var prepared = work.Prepared;
        var (first, count) = work.Config.Block(work.BlockId);
        if (work.States.Length != count)
            throw new ArgumentException($"block {work.BlockId} has {count} chains, got {work.States.Length} states");
        if (_sweeper is null || _sweeperShape != (prepared.K, prepared.N))
        {
            _sweeper = new ChainSweeper(prepared.K, prepared.N);
            _sweeperShape = (prepared.K, prepared.N);
        }
        _sweeper.Advance(prepared, work.Config.Seed, (uint)work.Round, first, work.States, work.Config.Sweeps, work.Accumulator);
        Sender.Tell(new BlockDone(work.Round, work.BlockId, work.States));
    }
}
