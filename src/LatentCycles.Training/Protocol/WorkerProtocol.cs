using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>
/// The blocks of one assignment, shared by the chain workers of a node: each worker takes the next block not yet taken
/// until none is left, so a round costs one message per worker instead of a message pair per block, and a worker that
/// runs slower (another process on its core) simply takes fewer blocks.
/// </summary>
public sealed class BlockQueue(IReadOnlyList<BlockStates> blocks)
{
    private int _next = -1;

    public IReadOnlyList<BlockStates> Blocks { get; } = blocks;

    /// <summary>The next block to run, or null when every block has been taken.</summary>
    public BlockStates? Take()
    {
        var index = Interlocked.Increment(ref _next);
        return index < Blocks.Count ? Blocks[index] : null;
    }
}

/// <summary>
/// Node aggregator → chain worker, within one process only: advance blocks of round <paramref name="Round"/> from
/// <paramref name="Queue"/>, each in place in its states, until the queue is empty, and add their statistics to
/// <paramref name="Accumulator"/>, the worker's own sum for the current assignment (never cleared per block: integer
/// sums do not depend on how blocks are grouped, and clearing a megabyte per block costs a quarter of a one-sweep round).
/// With <paramref name="ClearFirst"/> the worker clears the accumulator before its first block: on its own core, so the
/// megabyte is then in that core's cache for the additions, while the other workers already sweep.
/// </summary>
public sealed record RunBlocks(int Round, TrainingConfig Config, PreparedParameters Prepared, BlockQueue Queue, ChainStatistics Accumulator,
    bool ClearFirst = false);

/// <summary>Chain worker → node aggregator: the queue of round <paramref name="Round"/> is empty; this worker ran <paramref name="BlockCount"/> of its blocks.</summary>
public sealed record BlocksDone(int Round, int BlockCount);
