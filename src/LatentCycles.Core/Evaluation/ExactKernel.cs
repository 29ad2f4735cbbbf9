using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;

namespace LatentCycles.Core.Evaluation;

/// <summary>
/// The latent kernel M(z → z') = Σ_x q(x|z) p(z'|x) (MODEL.md §1) by enumerating all 2^N visible states
/// (MODEL.md §9): the reference the Monte Carlo estimates are tested against.
/// </summary>
public static class ExactKernel
{
    public const int MaxVisibleUnits = 20;

    public static LatentKernel Compute(ModelParameters parameters)
    {
        int k = parameters.K, n = parameters.N;
        if (n > MaxVisibleUnits) throw new ArgumentOutOfRangeException(nameof(parameters), $"exact enumeration needs N ≤ {MaxVisibleUnits}, got {n}");
        var weights = new double[k * k];
        var logQ = new double[k];
        var logits = new double[k];
        var encoder = new double[k];
        for (var x = 0; x < 1 << n; x++)
        {
            Array.Clear(logQ);
            parameters.B.CopyTo(logits, 0);
            for (var i = 0; i < n; i++)
            {
                var on = (x >> i & 1) == 1;
                for (var z = 0; z < k; z++)
                {
                    var l = parameters.L[i * k + z];
                    logQ[z] += (on ? l : 0) - MixtureLikelihood.Softplus(l);
                    if (on) logits[z] += parameters.W[z * n + i];
                }
            }
            ChainSweeper.Softmax(logits, encoder);
            for (var z = 0; z < k; z++)
            {
                var q = Math.Exp(logQ[z]);
                for (var j = 0; j < k; j++) weights[z * k + j] += q * encoder[j];
            }
        }
        return LatentKernel.FromRowWeights(weights, k);
    }
}
