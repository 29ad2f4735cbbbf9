using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Training;
using static LatentCycles.Core.Tests.Training.EnumerationFixtures;

namespace LatentCycles.Core.Tests.Training;

/// <summary>The equilibrium special case of MODEL.md §6, checked by enumeration.</summary>
public class TiedParametersTests
{
    private const int K = 4, N = 7;

    private static ModelParameters TiedModel(ulong seed)
    {
        var p = RandomModels.Parameters(K, N, seed, 1.0);
        return ModelParameters.Tied(K, N, p.L, p.B);
    }

    [Fact]
    public void Tied_parameters_satisfy_detailed_balance()
    {
        var exact = new ExactModel(TiedModel(1));
        for (var a = 0; a < K; a++)
            for (var b = 0; b < K; b++)
                Assert.Equal(exact.Stationary[a] * exact.Kernel[a, b], exact.Stationary[b] * exact.Kernel[b, a], 12);
    }

    [Fact]
    public void Untied_parameters_break_detailed_balance()
    {
        var exact = new ExactModel(RandomModels.Parameters(K, N, 1, 1.0));
        var worst = 0.0;
        for (var a = 0; a < K; a++)
            for (var b = 0; b < K; b++)
                worst = Math.Max(worst, Math.Abs(exact.Stationary[a] * exact.Kernel[a, b] - exact.Stationary[b] * exact.Kernel[b, a]));
        Assert.True(worst > 1e-3, $"largest current {worst}");
    }

    [Fact]
    public void Tied_stationary_distribution_is_softmax_of_bias_plus_softplus_sums()
    {
        var tied = TiedModel(2);
        var exact = new ExactModel(tied);
        var closedForm = RbmFormulas.Stationary(tied);
        for (var z = 0; z < K; z++) Assert.Equal(closedForm[z], exact.Stationary[z], 12);
    }

    [Fact]
    public void Tied_log_likelihood_equals_the_exact_rbm_formula()
    {
        var tied = TiedModel(3);
        var data = RandomData(30, N, 4);
        Assert.Equal(RbmFormulas.MeanLogLikelihood(tied, data), new ExactModel(tied).MeanLogLikelihood(data), 11);
    }

    [Fact]
    public void Tied_chains_show_zero_entropy_production_within_error_while_untied_chains_do_not()
    {
        double ChainEntropyProduction(ModelParameters p)
        {
            var merged = new LatentCycles.Core.Chains.ChainStatistics(K, N);
            RunChains(p, chains: 4000, rounds: 50, burnIn: 10, seed: 5, merged.Add);
            var m = RoundComputation.KernelEstimate(merged);
            return NonequilibriumObservables.Compute(m).EntropyProduction ?? double.NaN;
        }
        var tied = ChainEntropyProduction(TiedModel(6));
        var cyclic = CyclicParameters(K, N, 1.5);
        var untied = new ExactModel(cyclic);
        var untiedExact = NonequilibriumObservables.Compute(untied.Kernel, untied.Stationary).EntropyProduction ?? double.NaN;
        // 200,000 transitions leave a plug-in bias of order K²/T ≈ 1e-4 nats.
        Assert.InRange(tied, 0, 2e-3);
        Assert.True(untiedExact > 0.1, $"untied σ = {untiedExact}");
        Assert.InRange(ChainEntropyProduction(cyclic), untiedExact * 0.9, untiedExact * 1.1);
    }
}
