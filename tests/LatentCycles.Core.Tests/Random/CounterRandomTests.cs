using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Random;

public class CounterRandomTests
{
    [Fact]
    public void Words_fall_evenly_into_64_bins()
    {
        const int draws = 1_000_000, bins = 64;
        var counts = new long[bins];
        var rng = new CounterRandom(12345, StreamPurpose.Chain, 0, 0, 0);
        for (var d = 0; d < draws; d++) counts[rng.NextUInt() >> 26]++;
        const double expected = (double)draws / bins;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        // 63 degrees of freedom: the 0.1 % and 99.9 % quantiles are about 32.3 and 103.4.
        Assert.InRange(chiSquare, 32.3, 103.4);
    }

    [Fact]
    public void Doubles_have_the_mean_and_variance_of_a_uniform_on_the_unit_interval()
    {
        const int draws = 1_000_000;
        var rng = new CounterRandom(99, StreamPurpose.Sampling, 3, 4, 5);
        double sum = 0, sumSquares = 0;
        for (var d = 0; d < draws; d++)
        {
            var u = rng.NextDouble();
            Assert.InRange(u, 0.0, Math.BitDecrement(1.0));
            sum += u;
            sumSquares += u * u;
        }
        var mean = sum / draws;
        var variance = sumSquares / draws - mean * mean;
        // Five standard errors: sd(U)/√n ≈ 2.9e-4 for the mean, sd((U−½)²)/√n ≈ 7.5e-5 for the variance.
        Assert.InRange(mean, 0.5 - 1.5e-3, 0.5 + 1.5e-3);
        Assert.InRange(variance, 1.0 / 12 - 4e-4, 1.0 / 12 + 4e-4);
    }

    public static TheoryData<string, ulong, StreamPurpose, uint, uint, uint> Neighbours => new()
    {
        { "chain id", 5, StreamPurpose.Chain, 2, 7, 3 },
        { "round", 5, StreamPurpose.Chain, 1, 8, 3 },
        { "sweep", 5, StreamPurpose.Chain, 1, 7, 4 },
        { "purpose", 5, StreamPurpose.Minibatch, 1, 7, 3 },
        { "seed", 6, StreamPurpose.Chain, 1, 7, 3 },
        { "high seed word", 5 + (1UL << 32), StreamPurpose.Chain, 1, 7, 3 },
    };

    [Theory]
    [MemberData(nameof(Neighbours))]
    public void Streams_differing_in_one_key_are_uncorrelated(string differs, ulong seed, StreamPurpose purpose, uint streamId, uint round, uint sweep)
    {
        const int draws = 100_000;
        var baseStream = new CounterRandom(5, StreamPurpose.Chain, 1, 7, 3);
        var other = new CounterRandom(seed, purpose, streamId, round, sweep);
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        var identical = 0;
        for (var d = 0; d < draws; d++)
        {
            uint a = baseStream.NextUInt(), b = other.NextUInt();
            if (a == b) identical++;
            double x = a, y = b;
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
        }
        var covariance = sxy / draws - sx / draws * (sy / draws);
        var correlation = covariance / Math.Sqrt((sxx / draws - sx * sx / draws / draws) * (syy / draws - sy * sy / draws / draws));
        // Five standard errors of a correlation of independent samples: 5/√n ≈ 0.016.
        Assert.True(Math.Abs(correlation) < 0.016, $"streams differing in {differs}: correlation {correlation}");
        Assert.Equal(0, identical);
    }

    [Fact]
    public void A_stream_is_the_same_wherever_it_is_created()
    {
        var first = new CounterRandom(42, StreamPurpose.Chain, 9, 1, 2);
        var second = new CounterRandom(42, StreamPurpose.Chain, 9, 1, 2);
        for (var d = 0; d < 1000; d++) Assert.Equal(first.NextUInt(), second.NextUInt());
    }
}
