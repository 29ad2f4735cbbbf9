using LatentCycles.Core.Observables;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Observables;

/// <summary>Hand-made latent kernels for the observables tests.</summary>
internal static class KernelFixtures
{
    /// <summary>3-state ring: z → z+1 with probability p, z → z−1 with q, stay with 1 − p − q.</summary>
    public static LatentKernel Ring(double p, double q) => new(3,
    [
        1 - p - q, p, q,
        q, 1 - p - q, p,
        p, q, 1 - p - q,
    ]);

    /// <summary>A kernel with random positive entries (some pairs zeroed both ways when <paramref name="sparse"/>).</summary>
    public static LatentKernel Random(int k, ulong seed, bool sparse = false)
    {
        var rng = new CounterRandom(seed, StreamPurpose.Evaluation, 0, 0, 0);
        var w = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var j = 0; j < k; j++)
                w[z * k + j] = 0.05 + rng.NextDouble();
        if (sparse)
            for (var z = 0; z < k; z++)
                for (var j = z + 2; j < k; j++)
                    if (rng.NextDouble() < 0.4) w[z * k + j] = w[j * k + z] = 0;
        return LatentKernel.FromRowWeights(w, k);
    }

    /// <summary>A reversible kernel: rows of a symmetric weight matrix, normalized (π ∝ row sums).</summary>
    public static LatentKernel Reversible(int k, ulong seed)
    {
        var rng = new CounterRandom(seed, StreamPurpose.Evaluation, 1, 0, 0);
        var w = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var j = z; j < k; j++)
                w[z * k + j] = w[j * k + z] = 0.05 + rng.NextDouble();
        return LatentKernel.FromRowWeights(w, k);
    }

    public static double[] Multiply(double[] a, double[] b, int k)
    {
        var c = new double[k * k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                for (var m = 0; m < k; m++)
                    c[i * k + j] += a[i * k + m] * b[m * k + j];
        return c;
    }
}
