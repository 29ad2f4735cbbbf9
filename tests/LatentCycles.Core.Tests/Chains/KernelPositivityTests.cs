using LatentCycles.Core.Chains;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Training;
using static LatentCycles.Core.Tests.Training.EnumerationFixtures;

namespace LatentCycles.Core.Tests.Chains;

/// <summary>The chains' kernel estimate keeps every entry positive (MODEL.md §3, "Positivity of the kernel estimate").</summary>
public class KernelPositivityTests
{
    [Fact]
    public void Kernel_estimate_of_a_strongly_cycling_model_is_positive_and_its_entropy_production_defined()
    {
        // Encoder logits differ by 80, so the reverse transitions have probability about e⁻⁸⁰, below the 2⁻⁹⁷ that P resolves.
        const int k = 3, n = 6;
        var p = CyclicParameters(k, n, 40);
        var states = new byte[300];
        for (var c = 0; c < states.Length; c++) states[c] = (byte)(c % k);
        var statistics = new ChainStatistics(k, n);
        new ChainSweeper(k, n).Advance(new PreparedParameters(p), 5, 0, 0, states, 2, statistics);
        Assert.Contains(statistics.P, v => v == 0);

        var kernel = RoundComputation.KernelEstimate(statistics);
        Assert.All(kernel.Values, v => Assert.True(v > 0, $"kernel entry {v} is not positive"));
        var sigma = NonequilibriumObservables.Compute(kernel).EntropyProduction;
        Assert.NotNull(sigma);
        Assert.True(sigma > 10, $"σ = {sigma} for a chain that runs round one way almost surely");
    }
}
