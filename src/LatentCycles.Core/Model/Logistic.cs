namespace LatentCycles.Core.Model;

/// <summary>
/// The two link functions of the model (MODEL.md §1) — σ for the decoder's Bernoulli means, softmax for the encoder —
/// and their log-normalizers, softplus and log-sum-exp, which every log-likelihood is written with.
/// </summary>
public static class Logistic
{
    /// <summary>σ(a) = 1 / (1 + e^−a).</summary>
    public static double Sigmoid(double a) => 1.0 / (1.0 + Math.Exp(-a));

    /// <summary>softmax of the logits into <paramref name="probabilities"/>, shifted by the largest logit so nothing overflows.</summary>
    public static void Softmax(ReadOnlySpan<double> logits, Span<double> probabilities)
    {
        var max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var sum = 0.0;
        for (var j = 0; j < logits.Length; j++)
        {
            probabilities[j] = Math.Exp(logits[j] - max);
            sum += probabilities[j];
        }
        var inv = 1.0 / sum;
        for (var j = 0; j < logits.Length; j++) probabilities[j] *= inv;
    }

    /// <summary>softplus(a) = log(1 + e^a), stable for any a.</summary>
    public static double Softplus(double a) => a > 0 ? a + Math.Log(1 + Math.Exp(-a)) : Math.Log(1 + Math.Exp(a));

    /// <summary>log Σ e^v, shifted by the largest value so nothing overflows; −∞ for an empty or all −∞ input.</summary>
    public static double LogSumExp(ReadOnlySpan<double> v)
    {
        var max = double.NegativeInfinity;
        foreach (var a in v) max = Math.Max(max, a);
        if (double.IsNegativeInfinity(max)) return double.NegativeInfinity;
        var sum = 0.0;
        foreach (var a in v) sum += Math.Exp(a - max);
        return max + Math.Log(sum);
    }
}
