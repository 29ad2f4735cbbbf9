namespace LatentCycles.Core.Observables;

/// <summary>
/// The stationary distribution π of a latent kernel (MODEL.md §2): π(I − M) = 0, Σπ = 1.
/// </summary>
public static class StationaryDistribution
{
    private const double ResidualTolerance = 1e-10;
    private const int MaxPowerIterations = 100_000;

    /// <summary>
    /// Solves for π (K entries, non-negative, summing to 1) by GTH elimination. When M is reducible (its
    /// stationary distribution is not unique) it falls back to power iteration, which returns the stationary
    /// distribution reached from the uniform start.
    /// </summary>
    public static double[] Solve(LatentKernel kernel)
    {
        var pi = SolveLinear(kernel) ?? PowerIteration(kernel);
        return ClampAndNormalize(pi);
    }

    /// <inheritdoc cref="Solve(LatentKernel)"/>
    /// <param name="m">K×K row-major row-stochastic matrix.</param>
    /// <param name="k">K.</param>
    public static double[] Solve(double[] m, int k) => Solve(new LatentKernel(k, m));

    /// <summary>‖π(I − M)‖₁: how far π is from stationary.</summary>
    public static double Residual(LatentKernel kernel, ReadOnlySpan<double> pi)
    {
        var k = kernel.K;
        var residual = 0.0;
        for (var j = 0; j < k; j++)
        {
            var flowIn = 0.0;
            for (var z = 0; z < k; z++) flowIn += pi[z] * kernel.Values[z * k + j];
            residual += Math.Abs(pi[j] - flowIn);
        }
        return residual;
    }

    /// <summary>
    /// The Grassmann–Taksar–Heyman elimination: Gaussian elimination on M that only adds non-negative numbers (the
    /// diagonal is never used, outflows are sums of off-diagonal entries), so it stays accurate when M is nearly the
    /// identity — the slowly mixing kernels of an RBM late in training, where an LU solve of I − M loses all digits.
    /// Returns null for a reducible M (a state with no outflow to the states eliminated before it).
    /// </summary>
    private static double[]? SolveLinear(LatentKernel kernel)
    {
        var k = kernel.K;
        var a = (double[])kernel.Values.Clone();
        for (var n = k - 1; n > 0; n--)
        {
            var outflow = 0.0;
            for (var j = 0; j < n; j++) outflow += a[n * k + j];
            if (!(outflow > 0)) return null;
            for (var i = 0; i < n; i++) a[i * k + n] /= outflow;
            for (var i = 0; i < n; i++)
            {
                var ain = a[i * k + n];
                if (ain == 0) continue;
                for (var j = 0; j < n; j++) a[i * k + j] += ain * a[n * k + j];
            }
        }
        var pi = new double[k];
        pi[0] = 1;
        for (var n = 1; n < k; n++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++) sum += pi[i] * a[i * k + n];
            pi[n] = sum;
        }
        var candidate = ClampAndNormalize(pi);
        return Residual(kernel, candidate) <= ResidualTolerance ? candidate : null;
    }

    /// <summary>
    /// Iterates the lazy kernel (I + M)/2 from the uniform distribution: it has the same stationary
    /// distributions as M and is aperiodic, so the iteration converges even for periodic M.
    /// </summary>
    private static double[] PowerIteration(LatentKernel kernel)
    {
        var k = kernel.K;
        var pi = new double[k];
        var next = new double[k];
        Array.Fill(pi, 1.0 / k);
        for (var iteration = 0; iteration < MaxPowerIterations; iteration++)
        {
            for (var j = 0; j < k; j++) next[j] = 0.5 * pi[j];
            for (var z = 0; z < k; z++)
            {
                var half = 0.5 * pi[z];
                if (half == 0) continue;
                for (var j = 0; j < k; j++) next[j] += half * kernel.Values[z * k + j];
            }
            var change = 0.0;
            for (var j = 0; j < k; j++) change += Math.Abs(next[j] - pi[j]);
            (pi, next) = (next, pi);
            if (change <= 1e-15) break;
        }
        return pi;
    }

    private static double[] ClampAndNormalize(double[] pi)
    {
        var sum = 0.0;
        for (var z = 0; z < pi.Length; z++)
        {
            if (!(pi[z] > 0)) pi[z] = 0;
            sum += pi[z];
        }
        if (!(sum > 0) || !double.IsFinite(sum))
        {
            Array.Fill(pi, 1.0 / pi.Length);
            return pi;
        }
        for (var z = 0; z < pi.Length; z++) pi[z] /= sum;
        return pi;
    }
}
