using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Chains;

/// <summary>Random parameters for chain tests, including saturated pixels (threshold 0 or 2³²−1).</summary>
internal static class ChainTestParameters
{
    public static PreparedParameters Random(int k, int n, ulong seed)
    {
        var rng = new CounterRandom(seed, StreamPurpose.Initialization, (uint)k, (uint)n, 0);
        var w = new double[k * n];
        var b = new double[k];
        var l = new double[n * k];
        for (var j = 0; j < w.Length; j++) w[j] = 0.5 * rng.NextGaussian();
        for (var j = 0; j < k; j++) b[j] = rng.NextGaussian();
        for (var i = 0; i < n; i++)
        {
            var pixelLogit = -2 + 1.5 * rng.NextGaussian();
            var saturation = rng.NextInt(20);
            for (var z = 0; z < k; z++)
                l[i * k + z] = saturation switch { 0 => 60, 1 => -60, _ => pixelLogit + 1.5 * rng.NextGaussian() };
        }
        return new PreparedParameters(ModelParameters.FromBlocks(k, n, w, b, l));
    }

    public static byte[] RandomStates(int k, int chains, ulong seed)
    {
        var rng = new CounterRandom(seed, StreamPurpose.Initialization, 1, 0, 0);
        var states = new byte[chains];
        for (var c = 0; c < chains; c++) states[c] = (byte)rng.NextInt(k);
        return states;
    }
}
