using LatentCycles.Core.Data;

namespace LatentCycles.Core.Model;

/// <summary>
/// Closed forms of the tied (equilibrium) model, an RBM with one K-state softmax hidden unit (MODEL.md §6),
/// where P(x, z) ∝ exp(c_z + Σ_i x_i L_iz). Uses L and c = b of the parameters; W is assumed tied (W = Lᵀ).
/// </summary>
public static class RbmFormulas
{
    /// <summary>log of the unnormalized latent marginal, c_z + Σ_i softplus(L_iz), for each z (K).</summary>
    public static double[] LatentLogWeights(ModelParameters tied)
    {
        int k = tied.K, n = tied.N;
        var w = tied.B.ToArray();
        ReadOnlySpan<double> l = tied.L;
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++) w[z] += Logistic.Softplus(l[i * k + z]);
        return w;
    }

    /// <summary>π(z) = softmax_z(c_z + Σ_i softplus(L_iz)).</summary>
    public static double[] Stationary(ModelParameters tied)
    {
        var w = LatentLogWeights(tied);
        var logZ = Logistic.LogSumExp(w);
        return w.Select(v => Math.Exp(v - logZ)).ToArray();
    }

    /// <summary>Mean of log p(x) = logsumexp_z(c_z + Σ_i x_i L_iz) − logsumexp_z(c_z + Σ_i softplus(L_iz)).</summary>
    public static double MeanLogLikelihood(ModelParameters tied, BinaryImages data)
    {
        int k = tied.K, n = tied.N;
        var logZ = Logistic.LogSumExp(LatentLogWeights(tied));
        ReadOnlySpan<double> b = tied.B, l = tied.L;
        Span<double> terms = stackalloc double[k];
        var sum = 0.0;
        for (var j = 0; j < data.Count; j++)
        {
            var image = data.Image(j);
            b.CopyTo(terms);
            for (var i = 0; i < n; i++)
                if (image[i] == 1)
                    for (var z = 0; z < k; z++) terms[z] += l[i * k + z];
            sum += Logistic.LogSumExp(terms) - logZ;
        }
        return sum / data.Count;
    }
}
