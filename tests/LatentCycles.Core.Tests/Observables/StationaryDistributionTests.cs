using LatentCycles.Core.Observables;

namespace LatentCycles.Core.Tests.Observables;

public class StationaryDistributionTests
{
    [Fact]
    public void Two_state_chain_has_the_closed_form_stationary_distribution()
    {
        const double a = 0.3, b = 0.1;
        var pi = StationaryDistribution.Solve([1 - a, a, b, 1 - b], 2);
        Assert.Equal(b / (a + b), pi[0], 14);
        Assert.Equal(a / (a + b), pi[1], 14);
    }

    [Fact]
    public void Nearly_identity_kernel_keeps_its_stationary_distribution_accurate()
    {
        // An RBM late in training barely leaves its states. Stored as doubles, the diagonal 1 − a − c keeps only a few
        // digits of a + c, so a solve of I − M is wrong in the fourth digit; π depends only on the off-diagonal rates.
        const double a = 1e-13, b = 3e-13, c = 2e-13;
        double[] m = [1 - a - c, a, c, b, 1 - b - c, c, c, c, 1 - 2 * c];
        var pi = StationaryDistribution.Solve(m, 3);
        // Balance of state 2: c(π0 + π1) = 2c π2, so π2 = 1/3; of state 0: (a + c)π0 = bπ1 + cπ2.
        var p0 = (2 * b + c) / (3 * (a + b + c));
        Assert.Equal(1.0 / 3, pi[2], 12);
        Assert.InRange(pi[0], p0 * (1 - 1e-10), p0 * (1 + 1e-10));
        Assert.InRange(pi[1], (2.0 / 3 - p0) * (1 - 1e-10), (2.0 / 3 - p0) * (1 + 1e-10));
    }

    [Fact]
    public void Random_kernel_distribution_is_stationary_and_normalized()
    {
        var kernel = KernelFixtures.Random(6, seed: 11);
        var pi = StationaryDistribution.Solve(kernel);
        Assert.Equal(1.0, pi.Sum(), 14);
        Assert.True(StationaryDistribution.Residual(kernel, pi) < 1e-13);
    }

    [Fact]
    public void Periodic_chain_has_the_uniform_stationary_distribution()
    {
        var pi = StationaryDistribution.Solve([0, 1, 0, 0, 0, 1, 1, 0, 0], 3);
        Assert.All(pi, p => Assert.Equal(1.0 / 3, p, 14));
    }

    [Theory]
    [InlineData(new[] { 1.0, 0, 0, 0, 1, 0, 0, 0, 1 })]
    [InlineData(new[] { 0.0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0 })]
    [InlineData(new[] { 1.0, 0, 0, 0, 1, 0, 0.5, 0.5, 0 })]
    [InlineData(new[] { 1.0, 1e-300, 0, 1e-300, 1, 0, 0, 1e-300, 1 })]
    public void Reducible_or_nearly_reducible_chain_still_gets_a_valid_stationary_distribution(double[] m)
    {
        var k = (int)Math.Sqrt(m.Length);
        var kernel = new LatentKernel(k, m);
        var pi = StationaryDistribution.Solve(kernel);
        Assert.All(pi, p => Assert.True(double.IsFinite(p) && p >= 0));
        Assert.Equal(1.0, pi.Sum(), 12);
        Assert.True(StationaryDistribution.Residual(kernel, pi) < 1e-9);
    }

    [Fact]
    public void Transient_state_gets_zero_probability()
    {
        var pi = StationaryDistribution.Solve([0.5, 0.5, 0, 0.2, 0.8, 0, 0.3, 0.3, 0.4], 3);
        Assert.Equal(0.0, pi[2]);
        Assert.Equal(0.2 / 0.7, pi[0], 14);
    }

    [Fact]
    public void Fundamental_matrix_inverts_I_minus_M_plus_one_pi()
    {
        const int k = 5;
        var kernel = KernelFixtures.Random(k, seed: 3);
        var pi = StationaryDistribution.Solve(kernel);
        var z = KernelAlgebra.FundamentalMatrix(kernel, pi);
        var a = new double[k * k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                a[i * k + j] = (i == j ? 1 : 0) - kernel[i, j] + pi[j];
        var product = KernelFixtures.Multiply(z, a, k);
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                Assert.Equal(i == j ? 1.0 : 0.0, product[i * k + j], 12);
    }

    [Fact]
    public void Kernel_with_a_row_not_summing_to_one_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new LatentKernel(2, [0.5, 0.6, 0.5, 0.5]));
        Assert.Contains("row 0", e.Message);
    }

    [Fact]
    public void Empty_row_of_weights_becomes_uniform()
    {
        var kernel = LatentKernel.FromRowWeights([2, 6, 0, 0], 2);
        Assert.Equal([0.25, 0.75, 0.5, 0.5], kernel.Values);
    }
}
