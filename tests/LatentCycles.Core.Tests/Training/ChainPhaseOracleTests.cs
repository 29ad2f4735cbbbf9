using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

/// <summary>
/// The chain phase of the gradient and the baseline's score norms (src/LatentCycles.Core/Training/GradientEstimator.cs)
/// run vectorized and with interleaved sums: they must give the bits of the plain loops written out here, which add
/// every term of every output in the same order.
/// </summary>
public class ChainPhaseOracleTests
{
    public static TheoryData<int, int> Shapes => new() { { 3, 5 }, { 10, 784 }, { 7, 37 }, { 17, 43 } };

    private static (ModelParameters Parameters, ChainStatistics Statistics, double[] Mu) Round(int k, int n)
    {
        var parameters = new ModelParameters(k, n);
        var rng = new CounterRandom(4, StreamPurpose.Initialization, (uint)k, (uint)n, 0);
        for (var j = 0; j < parameters.Length; j++) parameters.Values[j] = 0.8 * rng.NextGaussian();
        var statistics = new ChainStatistics(k, n);
        var states = Enumerable.Range(0, 300).Select(c => (byte)(c % k)).ToArray();
        new ChainSweeper(k, n).Advance(new PreparedParameters(parameters), 5, 2, 0, states, 2, statistics);
        return (parameters, statistics, GradientEstimator.DecoderMeans(parameters));
    }

    private static ChainPhaseWeights Weights(int k)
    {
        var rng = new CounterRandom(6, StreamPurpose.Initialization, (uint)k, 1, 0);
        double[] Draw() => Enumerable.Range(0, k).Select(_ => rng.NextGaussian()).ToArray();
        return new ChainPhaseWeights(Draw(), Draw(), Draw());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_chain_phase_adds_the_bits_of_the_plain_loops(int k, int n)
    {
        var (parameters, statistics, mu) = Round(k, n);
        var g = Weights(k);
        var layout = parameters.Layout;
        var rng = new CounterRandom(7, StreamPurpose.Initialization, (uint)k, 2, 0);
        // The data phase's term is already in L when the chain phase adds to it.
        var start = new double[layout.Length];
        var dataTerm = layout.L(start.AsSpan());
        for (var j = 0; j < dataTerm.Length; j++) dataTerm[j] = 0.01 * rng.NextGaussian();
        var expected = (double[])start.Clone();
        var actual = (double[])start.Clone();

        PlainChainPhase(parameters, statistics, g, layout.W(expected.AsSpan()), layout.B(expected.AsSpan()), layout.L(expected.AsSpan()), mu);
        GradientEstimator.AddChainPhase(parameters, statistics, g, layout.W(actual.AsSpan()), layout.B(actual.AsSpan()), layout.L(actual.AsSpan()), mu);

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_score_norms_are_the_bits_of_the_plain_loops(int k, int n)
    {
        var (parameters, statistics, mu) = Round(k, n);

        var expected = PlainScoreNorms(parameters, statistics, mu);
        var actual = GradientEstimator.ScoreNorms(parameters, statistics, mu);

        Assert.Equal(expected.W, actual.W);
        Assert.Equal(expected.B, actual.B);
        Assert.Equal(expected.L, actual.L);
    }

    public static TheoryData<long[], int> ColumnBlocks => new()
    {
        // Ordinary fixed-point probabilities: summed as integers.
        { Enumerable.Range(0, 7 * 10).Select(j => (long)j * 123_456_789 % 4_294_967_296).ToArray(), 10 },
        // Column 0 passes 2⁵³: the double loop rounds 2⁵³ + 1 to 2⁵³ twice, where the integer sum would give 2⁵³ + 2.
        { new[] { 1L << 53, 5, 1, 6, 1, 7 }, 2 },
        // A negative entry (no statistic has one): the double loop.
        { new[] { 3L, -4, 5, 6, 7, -8, 9, 10, 11 }, 3 },
        // Entries whose integer sum would overflow: the double loop.
        { new[] { long.MaxValue / 2, 1, long.MaxValue / 2, 2, long.MaxValue / 2, 3 }, 2 },
    };

    [Theory]
    [MemberData(nameof(ColumnBlocks))]
    public void Column_sums_are_the_bits_of_adding_each_entry_into_a_double(long[] block, int width)
    {
        var expected = new double[width];
        for (var r = 0; r < block.Length / width; r++)
            for (var c = 0; c < width; c++) expected[c] += block[r * width + c];

        var actual = new double[width];
        GradientEstimator.ColumnSums(block, width, actual);

        Assert.Equal(expected, actual);
    }

    private static void PlainChainPhase(ModelParameters parameters, ChainStatistics s, ChainPhaseWeights g,
        Span<double> gradW, Span<double> gradB, Span<double> gradL, double[] mu)
    {
        int k = parameters.K, n = parameters.N;
        var invT = 1.0 / s.Transitions;
        for (var z = 0; z < k; z++)
        {
            var weightedCount = 0.0;
            for (var zNext = 0; zNext < k; zNext++)
            {
                var weightL = g.L[zNext] * invT;
                var weightW = g.W[zNext] * invT;
                var count = s.C[z * k + zNext];
                weightedCount += weightL * count;
                for (var i = 0; i < n; i++)
                {
                    var sx = s.Sx[(z * k + zNext) * n + i];
                    gradL[i * k + z] += weightL * sx;
                    gradW[zNext * n + i] += weightW * sx;
                }
                gradB[zNext] += g.B[zNext] * invT * count;
            }
            for (var i = 0; i < n; i++) gradL[i * k + z] -= weightedCount * mu[i * k + z];
        }
        for (var zNext = 0; zNext < k; zNext++)
        {
            var fixedWeightW = g.W[zNext] * invT * ChainStatistics.ProbabilityUnit;
            var fixedWeightB = g.B[zNext] * invT * ChainStatistics.ProbabilityUnit;
            for (var i = 0; i < n; i++)
                for (var kk = 0; kk < k; kk++)
                    gradW[kk * n + i] -= fixedWeightW * s.G[(zNext * n + i) * k + kk];
            for (var kk = 0; kk < k; kk++) gradB[kk] -= fixedWeightB * s.GP[zNext * k + kk];
        }
    }

    private static ChainPhaseWeights PlainScoreNorms(ModelParameters parameters, ChainStatistics s, double[] mus)
    {
        int k = parameters.K, n = parameters.N;
        double[] normW = new double[k], normB = new double[k], normL = new double[k];
        var meanP = new double[k];
        for (var zNext = 0; zNext < k; zNext++)
        {
            long count = 0, active = 0;
            for (var z = 0; z < k; z++)
            {
                var c = s.C[z * k + zNext];
                count += c;
                var constant = 0.0;
                for (var i = 0; i < n; i++) constant += mus[i * k + z] * mus[i * k + z];
                var sum = c * constant;
                for (var i = 0; i < n; i++)
                {
                    var sx = s.Sx[(z * k + zNext) * n + i];
                    active += sx;
                    sum += sx * (1 - 2 * mus[i * k + z]);
                }
                normL[zNext] += sum;
            }
            if (count == 0) continue;
            for (var kk = 0; kk < k; kk++) meanP[kk] = s.GP[zNext * k + kk] * ChainStatistics.ProbabilityUnit / count;
            normB[zNext] = count * SquaredDistanceFromCorner(meanP, zNext);
            if (active == 0) continue;
            Array.Clear(meanP);
            for (var i = 0; i < n; i++)
                for (var kk = 0; kk < k; kk++) meanP[kk] += s.G[(zNext * n + i) * k + kk];
            for (var kk = 0; kk < k; kk++) meanP[kk] *= ChainStatistics.ProbabilityUnit / active;
            normW[zNext] = active * SquaredDistanceFromCorner(meanP, zNext);
        }
        return new ChainPhaseWeights(normW, normB, normL);
    }

    private static double SquaredDistanceFromCorner(double[] p, int corner)
    {
        var sum = 0.0;
        for (var j = 0; j < p.Length; j++)
        {
            var d = (j == corner ? 1.0 : 0.0) - p[j];
            sum += d * d;
        }
        return sum;
    }
}
