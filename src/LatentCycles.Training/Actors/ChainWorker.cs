using Akka.Actor;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Runs blocks of chains on the chain dispatcher (one worker per thread). Owns its <see cref="ChainSweeper"/>, whose
/// scratch buffers keep the hot loop free of allocation; the statistics buffer is lent by the aggregator.
/// </summary>
public sealed class ChainWorker : ReceiveActor
{
    private ChainSweeper? _sweeper;
    private (int K, int N) _sweeperShape;

    public ChainWorker()
    {
        Receive<RunBlock>(Run);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ChainWorker()).WithDispatcher(TrainingHocon.ChainDispatcher);

    private void Run(RunBlock work)
    {
        var prepared = work.Prepared;
        if (_sweeper is null || _sweeperShape != (prepared.K, prepared.N))
        {
            _sweeper = new ChainSweeper(prepared.K, prepared.N);
            _sweeperShape = (prepared.K, prepared.N);
        }
        BlockRunner.Run(work.Config, work.Round, prepared, work.BlockId, work.States, _sweeper, work.Statistics);
        Sender.Tell(new BlockStatistics(work.Round, work.BlockId, work.Statistics, work.States));
    }
}
