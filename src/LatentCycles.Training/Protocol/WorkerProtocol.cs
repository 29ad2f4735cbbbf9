using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>
/// Node aggregator → chain worker, within one process only: advance block <paramref name="BlockId"/> of round
/// <paramref name="Round"/>, in place in <paramref name="States"/>, and add its statistics to
/// <paramref name="Accumulator"/>, the worker's own sum for the current assignment (never cleared per block: integer
/// sums do not depend on how blocks are grouped, and clearing a megabyte per block costs a quarter of a one-sweep round).
/// </summary>
public sealed record RunBlock(int Round, TrainingConfig Config, PreparedParameters Prepared, int BlockId, byte[] States,
    ChainStatistics Accumulator);

/// <summary>Chain worker → node aggregator: block <paramref name="BlockId"/> is done; its chains' end states.</summary>
public sealed record BlockDone(int Round, int BlockId, byte[] EndStates);
