namespace LatentCycles.Core.Observables;

/// <summary>
/// The latent kernel M(z → z') = E_{x~q(·|z)}[p(z'|x)] of MODEL.md §1: a K×K row-stochastic matrix,
/// <c>Values[z*K + z']</c> = M(z, z').
/// </summary>
public sealed class LatentKernel
{
    /// <summary>How far a row sum may be from 1 (rounding of Monte Carlo averages, not real mass).</summary>
    public const double RowSumTolerance = 1e-9;

    /// <param name="k">Number of latent states K.</param>
    /// <param name="values">K×K row-major; entries finite, non-negative, each row summing to 1.</param>
    public LatentKernel(int k, double[] values)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"K must be at least 1, got {k}");
        if (values.Length != k * k) throw new ArgumentException($"a {k}×{k} kernel needs {k * k} entries, got {values.Length}");
        for (var z = 0; z < k; z++)
        {
            var sum = 0.0;
            for (var j = 0; j < k; j++)
            {
                var v = values[z * k + j];
                if (!double.IsFinite(v) || v < 0)
                    throw new ArgumentException($"kernel entry M({z},{j}) = {v} is not a finite non-negative number");
                sum += v;
            }
            if (Math.Abs(sum - 1) > RowSumTolerance) throw new ArgumentException($"kernel row {z} sums to {sum}, not 1");
        }
        K = k;
        Values = values;
    }

    public int K { get; }

    /// <summary>K×K row-major: <c>Values[z*K + z']</c> = M(z, z').</summary>
    public double[] Values { get; }

    public double this[int from, int to] => Values[from * K + to];

    /// <summary>
    /// The kernel with rows proportional to the non-negative K×K <paramref name="rowWeights"/> (transition
    /// counts C, or the Rao-Blackwellized sums P of MODEL.md §3). A row with no weight at all gets the
    /// uniform row, so a state never left is transient rather than absorbing.
    /// </summary>
    public static LatentKernel FromRowWeights(ReadOnlySpan<double> rowWeights, int k)
    {
        if (rowWeights.Length != k * k) throw new ArgumentException($"a {k}×{k} weight matrix needs {k * k} entries, got {rowWeights.Length}");
        var m = new double[k * k];
        for (var z = 0; z < k; z++)
        {
            var row = rowWeights.Slice(z * k, k);
            var sum = 0.0;
            foreach (var v in row)
            {
                if (!double.IsFinite(v) || v < 0) throw new ArgumentException($"row weight {v} in row {z} is not a finite non-negative number");
                sum += v;
            }
            for (var j = 0; j < k; j++) m[z * k + j] = sum > 0 ? row[j] / sum : 1.0 / k;
        }
        return new LatentKernel(k, m);
    }
}
