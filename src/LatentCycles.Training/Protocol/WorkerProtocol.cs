using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>
/// Node aggregator → chain worker, within one process only: advance block <paramref name="BlockId"/> of round
/// <paramref name="Round"/>, in place in <paramref name="States"/>, writing its statistics into <paramref name="Statistics"/>
/// (a pooled buffer the aggregator lends; the worker hands it back in <see cref="BlockStatistics"/>).
/// </summary>
public sealed record RunBlock(int Round, TrainingConfig Config, PreparedParameters Prepared, int BlockId, byte[] States,
    ChainStatistics Statistics);

/// <summary>Chain worker → node aggregator: block <paramref name="BlockId"/>'s statistics and its chains' end states.</summary>
public sealed record BlockStatistics(int Round, int BlockId, ChainStatistics Statistics, byte[] EndStates) : ITrainingMessage;
