using LatentCycles.Core.Chains;

namespace LatentCycles.Core.Training;

/// <summary>
/// Runs one block of chains for one round: the unit of work of every trainer. Any thread, actor or node that runs
/// block b of round r from the same start states with the same parameters produces the same bits.
/// </summary>
public static class BlockRunner
{
    /// <summary>
    /// Advances block <paramref name="block"/>'s chains in place and writes its statistics into
    /// <paramref name="statistics"/> (cleared first; callers reuse one buffer, since statistics are about a megabyte).
    /// </summary>
    public static void Run(TrainingConfig config, int round, PreparedParameters prepared, int block,
        Span<byte> blockStates, ChainSweeper sweeper, ChainStatistics statistics)
    {
        var (first, count) = config.Block(block);
        if (blockStates.Length != count) throw new ArgumentException($"block {block} has {count} chains, got {blockStates.Length} states");
        statistics.Clear();
        sweeper.Advance(prepared, config.Seed, (uint)round, first, blockStates, config.Sweeps, statistics);
    }

    /// <summary>
    /// Runs every block of the round in block order on one thread, advancing <paramref name="states"/> (every chain's) in
    /// place, and sums the blocks' statistics into <paramref name="merged"/> (cleared first); <paramref name="block"/> is
    /// the scratch buffer of one block.
    /// </summary>
    public static void RunAll(TrainingConfig config, int round, PreparedParameters prepared, Span<byte> states,
        ChainSweeper sweeper, ChainStatistics block, ChainStatistics merged)
    {
        merged.Clear();
        for (var b = 0; b < config.BlockCount; b++)
        {
            var (first, count) = config.Block(b);
            Run(config, round, prepared, b, states.Slice(first, count), sweeper, block);
            merged.Add(block);
        }
    }
}
