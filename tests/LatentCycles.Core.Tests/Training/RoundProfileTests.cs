using System.Diagnostics;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

/// <summary>
/// <c>--profile</c>'s medians (src/LatentCycles.Core/Training/RoundProfile.cs): rounds and phases of known length are
/// recorded with explicit times, so the figures do not depend on how fast the test runs, only on what was recorded.
/// </summary>
public class RoundProfileTests
{
    private static long Ticks(double milliseconds) => (long)(milliseconds * Stopwatch.Frequency / 1000);

    [Fact]
    public void The_median_of_a_phase_is_its_typical_round_where_the_mean_follows_the_slow_ones()
    {
        var profile = new RoundProfile();
        double[] sweeps = [1.0, 2.0, 3.0, 100.0, 100.0];
        var start = RoundProfile.Now;
        foreach (var ms in sweeps)
        {
            profile.RoundStarted(start);
            profile.Lap(RoundPhase.Sweeps, start, start + Ticks(ms));
            profile.RoundEnded(start + Ticks(2 * ms));
            start += Ticks(2 * ms);
        }

        var median = profile.MedianMilliseconds().Single(p => p.Phase == RoundPhase.Sweeps).Milliseconds;
        var mean = profile.MeanMilliseconds().Single(p => p.Phase == RoundPhase.Sweeps).Milliseconds;
        // Two significant digits: within 1 % of the 3 ms round.
        Assert.InRange(median, 2.97, 3.2);
        Assert.True(mean > 40, $"mean {mean}");
        Assert.InRange(profile.MedianRoundMilliseconds, 5.94, 6.06);
        Assert.Equal(0, profile.MedianMilliseconds().Single(p => p.Phase == RoundPhase.Evaluation).Milliseconds);
    }

    [Fact]
    public void No_rounds_give_zero_medians()
    {
        var profile = new RoundProfile();
        Assert.All(profile.MedianMilliseconds(), p => Assert.Equal(0, p.Milliseconds));
        Assert.Equal(0, profile.MedianRoundMilliseconds);
    }

    [Fact]
    public void A_round_longer_than_the_histograms_range_is_recorded_at_its_end_without_failing()
    {
        var profile = new RoundProfile();
        var start = RoundProfile.Now;
        profile.RoundStarted(start);
        profile.RoundEnded(start + Stopwatch.Frequency * 7200);
        Assert.InRange(profile.MedianRoundMilliseconds, 3_500_000, 3_700_000);
    }
}
