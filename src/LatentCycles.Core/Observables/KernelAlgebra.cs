using MathNet.Numerics.LinearAlgebra.Double;

namespace LatentCycles.Core.Observables;

/// <summary>
/// Small K×K linear algebra on the latent kernel needed by the exact gradient (MODEL.md §3). The inverse is MathNet's
/// pivoted LU (managed provider, so the same bits on every machine) rather than hand-written elimination; π alone is
/// solved by hand (<see cref="StationaryDistribution"/>), because GTH elimination has no counterpart in the library.
/// </summary>
public static class KernelAlgebra
{
    /// <summary>
    /// The fundamental matrix Z = (I − M + 1π)⁻¹, K×K row-major, where 1π is the matrix whose every row is π.
    /// It exists whenever M is irreducible and π is its stationary distribution.
    /// </summary>
    public static double[] FundamentalMatrix(LatentKernel kernel, ReadOnlySpan<double> pi)
    {
        var k = kernel.K;
        if (pi.Length != k) throw new ArgumentException($"π has {pi.Length} entries, the kernel has K = {k}");
        var a = DenseMatrix.Create(k, k, 0.0);
        for (var z = 0; z < k; z++)
            for (var j = 0; j < k; j++)
                a[z, j] = (z == j ? 1.0 : 0.0) - kernel.Values[z * k + j] + pi[j];
        var inverse = a.Inverse();
        var result = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var j = 0; j < k; j++)
                result[z * k + j] = inverse[z, j];
        foreach (var v in result)
            if (!double.IsFinite(v))
                throw new ArgumentException("I − M + 1π is singular: the kernel is reducible or π is not its stationary distribution");
        return result;
    }
}
