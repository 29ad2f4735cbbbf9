using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Training;

/// <summary>Small models and data sets for tests by exact enumeration (MODEL.md §9).</summary>
internal static class EnumerationFixtures
{
    /// <summary>
    /// A model built to cycle: state z emits pixels of group z (N/K pixels each), and the encoder reads group z as
    /// state z+1, so M(z → z+1) dominates and the chain runs round 0 → 1 → … → 0.
    /// </summary>
    public static ModelParameters CyclicParameters(int k, int n, double strength)
    {
        var p = new ModelParameters(k, n);
        for (var i = 0; i < n; i++)
        {
            var group = i * k / n;
            for (var z = 0; z < k; z++) p.L[i * k + z] = z == group ? strength : -strength;
            p.W[(group + 1) % k * n + i] = strength;
        }
        return p;
    }

    /// <summary>A data set of <paramref name="count"/> random binary vectors, pixel i on with probability 0.2 + 0.6 i/N.</summary>
    public static BinaryImages RandomData(int count, int n, ulong seed) => TestImages.Vectors(count, n, seed, i => 0.2 + 0.6 * i / n);

    /// <summary>Central finite-difference gradient of f with respect to every parameter, in the parameters' layout (W, b, L).</summary>
    public static double[] FiniteDifferenceGradient(ModelParameters p, Func<ModelParameters, double> f, double h = 1e-5)
    {
        var grad = new double[p.Length];
        for (var j = 0; j < p.Length; j++)
        {
            var plus = p.Clone();
            var minus = p.Clone();
            plus.Values[j] += h;
            minus.Values[j] -= h;
            grad[j] = (f(plus) - f(minus)) / (2 * h);
        }
        return grad;
    }

    /// <summary>
    /// Runs persistent chains with fixed parameters and calls <paramref name="perRound"/> with each round's statistics
    /// after <paramref name="burnIn"/> rounds.
    /// </summary>
    public static void RunChains(ModelParameters p, int chains, int rounds, int burnIn, ulong seed, Action<ChainStatistics> perRound)
    {
        var sweeper = new ChainSweeper(p.K, p.N);
        var prepared = new PreparedParameters(p);
        var states = new byte[chains];
        for (var c = 0; c < chains; c++) states[c] = (byte)(c % p.K);
        var stats = new ChainStatistics(p.K, p.N);
        for (var r = 0; r < burnIn + rounds; r++)
        {
            stats.Clear();
            sweeper.Advance(prepared, seed, (uint)r, 0, states, 1, stats);
            if (r >= burnIn) perRound(stats);
        }
    }

    /// <summary>Mean and standard error of vectors, the error from batch means (rounds of persistent chains are correlated).</summary>
    public static (double[] Mean, double[] StandardError) BatchMeans(IReadOnlyList<double[]> samples, int batches)
    {
        var d = samples[0].Length;
        var perBatch = samples.Count / batches;
        var batchMeans = new double[batches][];
        for (var b = 0; b < batches; b++)
        {
            batchMeans[b] = new double[d];
            for (var s = b * perBatch; s < (b + 1) * perBatch; s++)
                for (var j = 0; j < d; j++) batchMeans[b][j] += samples[s][j] / perBatch;
        }
        var mean = new double[d];
        var se = new double[d];
        for (var j = 0; j < d; j++)
        {
            for (var b = 0; b < batches; b++) mean[j] += batchMeans[b][j] / batches;
            var ss = 0.0;
            for (var b = 0; b < batches; b++) ss += (batchMeans[b][j] - mean[j]) * (batchMeans[b][j] - mean[j]);
            se[j] = Math.Sqrt(ss / (batches - 1) / batches);
        }
        return (mean, se);
    }
}
