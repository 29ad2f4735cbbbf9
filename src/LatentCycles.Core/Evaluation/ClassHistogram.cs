namespace LatentCycles.Core.Evaluation;

/// <summary>Compares class histograms of data and of generated samples (MODEL.md §5).</summary>
public static class ClassHistogram
{
    /// <summary>Pseudo-count added to every class before normalizing, so an empty class never makes the divergence infinite.</summary>
    public const double PseudoCount = 0.5;

    /// <summary>
    /// KL(data ‖ generated) = Σ_c p_c ln(p_c / q_c) in nats, where p and q are the two histograms (counts per class,
    /// C each) after adding <see cref="PseudoCount"/> to every class and normalizing. The smoothing is Jeffreys' prior;
    /// it biases small histograms towards uniform, so compare divergences only between histograms of similar totals.
    /// </summary>
    public static double KlDivergence(double[] pData, double[] pModel)
    {
        if (pData.Length != pModel.Length)
            throw new ArgumentException($"histograms have {pData.Length} and {pModel.Length} classes");
        if (pData.Length == 0) throw new ArgumentException("histograms have no classes");
        foreach (var count in pData.Concat(pModel))
            if (!(count >= 0) || double.IsInfinity(count))
                throw new ArgumentException($"histogram counts must be finite and non-negative, got {count}");

        var dataTotal = pData.Sum() + PseudoCount * pData.Length;
        var modelTotal = pModel.Sum() + PseudoCount * pModel.Length;
        var divergence = 0.0;
        for (var c = 0; c < pData.Length; c++)
        {
            var p = (pData[c] + PseudoCount) / dataTotal;
            var q = (pModel[c] + PseudoCount) / modelTotal;
            divergence += p * Math.Log(p / q);
        }
        return divergence;
    }

    /// <summary><see cref="KlDivergence(double[], double[])"/> of integer class counts, as <see cref="DigitClassifier.ClassHistogram"/> returns.</summary>
    public static double KlDivergence(int[] dataCounts, int[] modelCounts) =>
        KlDivergence(Array.ConvertAll(dataCounts, c => (double)c), Array.ConvertAll(modelCounts, c => (double)c));
}
