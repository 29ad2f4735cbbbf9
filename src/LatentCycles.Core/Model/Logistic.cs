namespace LatentCycles.Core.Model;

/// <summary>
/// The two link functions of the model (MODEL.md §1): σ for the decoder's Bernoulli means, softmax for the encoder.
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
}
