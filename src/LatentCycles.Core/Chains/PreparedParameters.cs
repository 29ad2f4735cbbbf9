using LatentCycles.Core.Model;

namespace LatentCycles.Core.Chains;

/// <summary>
/// A round's parameters laid out for the chain sweep, computed once per round and shared read-only
/// by every thread: Bernoulli thresholds for the decoder and encoder rows per pixel.
/// </summary>
public sealed class PreparedParameters
{
    public PreparedParameters(ModelParameters parameters)
    {
        Parameters = parameters;
        int k = parameters.K, n = parameters.N;
        DecoderThreshold = new uint[k * n];
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                DecoderThreshold[z * n + i] = BernoulliThreshold(parameters.L[i * k + z]);
        EncoderRows = new double[n * k];
        for (var kk = 0; kk < k; kk++)
            for (var i = 0; i < n; i++)
                EncoderRows[i * k + kk] = parameters.W[kk * n + i];
    }

    public ModelParameters Parameters { get; }
    public int K => Parameters.K;
    public int N => Parameters.N;

    /// <summary>
    /// <c>DecoderThreshold[z*N + i]</c>: x_i = 1 exactly when a uniform 32-bit word is below it, i.e. with
    /// probability ⌊σ(L_iz)·2³²⌋ / 2³² (within 2⁻³² of σ(L_iz)).
    /// </summary>
    public uint[] DecoderThreshold { get; }

    /// <summary><c>EncoderRows[i*K + k]</c> = W[k, i]: the encoder logits are b plus the rows of the active pixels.</summary>
    public double[] EncoderRows { get; }

    public static uint BernoulliThreshold(double logit)
    {
        var mu = 1.0 / (1.0 + Math.Exp(-logit));
        var t = Math.Floor(mu * 4294967296.0);
        return t >= 4294967295.0 ? uint.MaxValue : t <= 0 ? 0u : (uint)t;
    }
}
