using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.TestUtilities;

/// <summary>Random parameters for tests, from the counter-based streams so every run draws the same.</summary>
public static class RandomModels
{
    /// <summary>W and L entries ~ N(0, scale²), b ~ N(0, (scale/2)²).</summary>
    public static ModelParameters Parameters(int k, int n, ulong seed, double scale)
    {
        var p = new ModelParameters(k, n);
        var rng = new CounterRandom(seed, StreamPurpose.Initialization, 99, 0, 0);
        for (var j = 0; j < p.W.Length; j++) p.W[j] = scale * rng.NextGaussian();
        for (var j = 0; j < p.B.Length; j++) p.B[j] = 0.5 * scale * rng.NextGaussian();
        for (var j = 0; j < p.L.Length; j++) p.L[j] = scale * rng.NextGaussian();
        return p;
    }
}
