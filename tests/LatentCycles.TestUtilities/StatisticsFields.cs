using LatentCycles.Core.Chains;

namespace LatentCycles.TestUtilities;

/// <summary>Two-step statistics as one list of their shape and sums, for comparing two of them with one assertion.</summary>
public static class StatisticsFields
{
    /// <summary>K, N, the transitions, the non-finite flag, then C, P, Sx, G and GP.</summary>
    public static object[] Of(ChainStatistics s) =>
        [s.K, s.N, s.Transitions, s.HasNonFiniteProbabilities, s.C, s.P, s.Sx, s.G, s.GP];
}
