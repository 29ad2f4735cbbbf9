using LatentCycles.Core.Chains;

namespace LatentCycles.Core.Tests.Chains;

public class ChainStatisticsInvariantTests
{
    private const int K = 5, N = 37, Chains = 64, Sweeps = 3;

    private static ChainStatistics Sweep(out byte[] states)
    {
        var prepared = ChainTestParameters.Random(K, N, 11);
        states = ChainTestParameters.RandomStates(K, Chains, 12);
        var statistics = new ChainStatistics(K, N);
        new ChainSweeper(K, N).Advance(prepared, 77, 4, 1000, states, Sweeps, statistics);
        return statistics;
    }

    [Fact]
    public void Draining_adds_the_sums_and_leaves_the_drained_statistics_clear()
    {
        var target = Sweep(out var states);
        var source = new ChainStatistics(K, N);
        new ChainSweeper(K, N).Advance(ChainTestParameters.Random(K, N, 11), 77, 5, 1000, states, Sweeps, source);
        var expected = new ChainStatistics(K, N);
        expected.Add(target);
        expected.Add(source);

        target.Drain(source);

        Assert.Equal(StatisticsFields.Of(expected), StatisticsFields.Of(target));
        Assert.Equal(StatisticsFields.Of(new ChainStatistics(K, N)), StatisticsFields.Of(source));
    }

    [Fact]
    public void Transition_counts_sum_to_the_number_of_transitions()
    {
        var st = Sweep(out var states);
        Assert.Equal((long)Chains * Sweeps, st.Transitions);
        Assert.Equal(st.Transitions, st.C.Sum());
        Assert.All(states, z => Assert.InRange(z, 0, K - 1));
    }

    [Fact]
    public void Kernel_rows_sum_to_the_transition_counts_of_their_row()
    {
        var st = Sweep(out _);
        for (var z = 0; z < K; z++)
            Assert.Equal(RowSum(st.C, z), st.KernelRowSums().AsSpan(z * K, K).ToArray().Sum(), 6);
    }

    [Fact]
    public void Encoder_probability_sums_per_new_state_equal_the_counts_into_it()
    {
        var st = Sweep(out _);
        for (var zNext = 0; zNext < K; zNext++)
        {
            var into = 0.0;
            for (var z = 0; z < K; z++) into += st.C[z * K + zNext];
            Assert.Equal(into, RowSum(st.GP, zNext) * ChainStatistics.ProbabilityUnit, 6);
        }
    }

    [Fact]
    public void Pixel_sums_are_bounded_by_their_transitions()
    {
        var st = Sweep(out _);
        for (var pair = 0; pair < K * K; pair++)
            for (var i = 0; i < N; i++)
            {
                var sx = st.Sx[pair * N + i];
                Assert.InRange(sx, 0, st.C[pair]);
            }
    }

    [Fact]
    public void Probability_weighted_pixel_sums_add_up_to_the_pixel_sums_into_each_state()
    {
        var st = Sweep(out _);
        for (var zNext = 0; zNext < K; zNext++)
            for (var i = 0; i < N; i++)
            {
                var sx = 0.0;
                for (var z = 0; z < K; z++) sx += st.Sx[(z * K + zNext) * N + i];
                var g = 0.0;
                for (var k = 0; k < K; k++)
                {
                    var gik = st.G[(zNext * N + i) * K + k];
                    Assert.InRange(gik, 0, st.GP[zNext * K + k]);
                    g += gik * ChainStatistics.ProbabilityUnit;
                }
                Assert.Equal(sx, g, 6);
            }
    }

    [Fact]
    public void Advancing_twice_accumulates_onto_the_same_statistics()
    {
        var prepared = ChainTestParameters.Random(K, N, 11);
        var states = ChainTestParameters.RandomStates(K, Chains, 12);
        var statistics = new ChainStatistics(K, N);
        var sweeper = new ChainSweeper(K, N);
        sweeper.Advance(prepared, 77, 4, 0, states, 1, statistics);
        var afterFirst = statistics.C.Sum();
        sweeper.Advance(prepared, 77, 5, 0, states, 1, statistics);
        Assert.Equal(2L * Chains, statistics.Transitions);
        Assert.Equal(afterFirst + Chains, statistics.C.Sum());
    }

    private static double RowSum(long[] matrix, int row)
    {
        var sum = 0.0;
        for (var j = 0; j < K; j++) sum += matrix[row * K + j];
        return sum;
    }
}

public class KernelFixedPointTests
{
    [Fact]
    public void The_sweep_conversion_gives_the_bits_of_the_definition_for_every_kind_of_input()
    {
        var rng = new LatentCycles.Core.Random.CounterRandom(3, LatentCycles.Core.Random.StreamPurpose.Evaluation, 0, 0, 0);
        var inputs = new List<double>
        {
            0, -0.0, 1, 0.5, double.Epsilon, 1e-300, Math.ScaleB(1, -33), Math.ScaleB(1, -34), Math.ScaleB(1, -35),
            Math.BitDecrement(Math.ScaleB(1, -33)), Math.BitIncrement(Math.ScaleB(1, -33)), Math.BitDecrement(1.0),
            -1e-20, -0.25, 3.5, 1e9, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        };
        for (var j = 0; j < 10_000; j++) inputs.Add(Math.ScaleB(rng.NextDouble(), -rng.NextInt(80)));
        foreach (var p in inputs)
            Assert.True(ChainStatistics.ToKernelFixedPoint(p) == ChainStatistics.ToKernelFixedPointFast(p), $"p = {p:R}");
    }
}
