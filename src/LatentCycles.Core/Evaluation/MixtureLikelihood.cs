using LatentCycles.Core.Data;
using LatentCycles.Core.Model;

namespace LatentCycles.Core.Evaluation;

/// <summary>
/// Log-likelihood of a mixture of product-Bernoulli components (MODEL.md §2, §7):
/// log p(x) = logsumexp_z [ log π(z) + Σ_i x_i log σ(L_iz) + (1 − x_i) log(1 − σ(L_iz)) ],
/// computed stably with log σ(a) = −softplus(−a). Shared by the model, the RBM and the EM ceiling.
/// </summary>
public static class MixtureLikelihood
{
    /// <summary>
    /// Per-component log-densities log q(x|z) for every image: returns a Count×K array,
    /// <c>[j*K + z]</c> = Σ_i x_i log σ(L_iz) + (1 − x_i) log(1 − σ(L_iz)). <paramref name="logitsNK"/> is N×K.
    /// </summary>
    public static double[] ComponentLogDensities(BinaryImages data, ReadOnlySpan<double> logitsNK, int k) =>
        ComponentLogDensities(data, null, logitsNK, k);

    /// <summary>
    /// As <see cref="ComponentLogDensities(BinaryImages, ReadOnlySpan{double}, int)"/> for the images of
    /// <paramref name="data"/> at <paramref name="images"/> (all of them, in order, when null): row j is image images[j].
    /// </summary>
    public static double[] ComponentLogDensities(BinaryImages data, IReadOnlyList<int>? images, ReadOnlySpan<double> logitsNK, int k) =>
        ComponentLogDensities(data.Active, images, images?.Count ?? data.Count, data.PixelCount, logitsNK, k);

    /// <summary>
    /// As above for the images of <paramref name="selected"/> in its order (<see cref="ActivePixels.Select"/>): the
    /// same numbers, read from one piece of memory.
    /// </summary>
    internal static double[] ComponentLogDensities(ActivePixels selected, int pixelCount, ReadOnlySpan<double> logitsNK, int k) =>
        ComponentLogDensities(selected, null, selected.Count, pixelCount, logitsNK, k);

    /// <summary>Row j is the image whose active pixels are active.ForImage(images[j]) (images[j] = j when null).</summary>
    internal static double[] ComponentLogDensities(ActivePixels active, IReadOnlyList<int>? images, int count, int n,
        ReadOnlySpan<double> logitsNK, int k)
    {
        if (logitsNK.Length != n * k) throw new ArgumentException("logits do not match the images");
        // log q(x|z) = Σ_i [x_i L_iz − softplus(L_iz)]: a constant per z plus a sum over the active pixels.
        var baseLog = new double[k];
        var softplus = GC.AllocateUninitializedArray<double>(n * k);
        Logistic.Softplus(logitsNK, softplus);
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                baseLog[z] -= softplus[i * k + z];
        // The sums run in registers over rows padded to a multiple of four (ShortVectors.SumSelectedRows), each element
        // adding the active pixels' logits in pixel order after the constant, as one row at a time would.
        var stride = ShortVectors.PaddedLength(k);
        var paddedLogits = new double[n * stride];
        for (var i = 0; i < n; i++) logitsNK.Slice(i * k, k).CopyTo(paddedLogits.AsSpan(i * stride, k));
        var paddedBase = new double[stride];
        baseLog.CopyTo(paddedBase, 0);
        var sums = new double[stride];
        var result = GC.AllocateUninitializedArray<double>(count * k);
        for (var j = 0; j < count; j++)
        {
            ShortVectors.SumSelectedRows(paddedLogits, stride, paddedBase, active.ForImage(images?[j] ?? j), sums);
            sums.AsSpan(0, k).CopyTo(result.AsSpan(j * k, k));
        }
        return result;
    }

    /// <summary>log p(x_j) for every image, given log π (K) and the decoder logits (N×K).</summary>
    public static double[] LogLikelihoods(BinaryImages data, ReadOnlySpan<double> logPi, ReadOnlySpan<double> logitsNK)
    {
        var k = logPi.Length;
        var comp = ComponentLogDensities(data, logitsNK, k);
        var result = new double[data.Count];
        Span<double> terms = stackalloc double[k];
        for (var j = 0; j < data.Count; j++)
        {
            for (var z = 0; z < k; z++) terms[z] = logPi[z] + comp[j * k + z];
            result[j] = Logistic.LogSumExp(terms);
        }
        return result;
    }

    /// <summary>Mean log-likelihood in nats over a data set.</summary>
    public static double MeanLogLikelihood(BinaryImages data, ReadOnlySpan<double> logPi, ReadOnlySpan<double> logitsNK)
    {
        var ll = LogLikelihoods(data, logPi, logitsNK);
        var sum = 0.0;
        foreach (var v in ll) sum += v;
        return sum / ll.Length;
    }
}
