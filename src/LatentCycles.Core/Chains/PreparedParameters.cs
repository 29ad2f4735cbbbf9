using LatentCycles.Core.Model;

namespace LatentCycles.Core.Chains;

/// <summary>
/// A round's parameters laid out for the chain sweep, computed once per round and shared read-only
/// by every thread: Bernoulli thresholds for the decoder and encoder rows per pixel, plus the padded
/// and interleaved copies the vectorized sweep reads.
/// </summary>
public sealed class PreparedParameters
{
    /// <summary>Pixels per 8-lane Philox batch: 8 blocks of 4 words.</summary>
    internal const int PixelsPerBatch = 32;

    /// <summary>Pixels per 16-lane Philox batch: 16 blocks of 4 words.</summary>
    internal const int PixelsPerWideBatch = 64;

    /// <summary>The encoder rows are padded to a multiple of this many doubles (four 4-lane vectors).</summary>
    internal const int EncoderRowAlignment = 16;

    public PreparedParameters(ModelParameters parameters)
    {
        Parameters = parameters;
        int k = parameters.K, n = parameters.N;
        ReadOnlySpan<double> w = parameters.W, l = parameters.L;
        DecoderThreshold = new uint[k * n];
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                DecoderThreshold[z * n + i] = BernoulliThreshold(l[i * k + z]);
        EncoderRows = new double[n * k];
        for (var kk = 0; kk < k; kk++)
            for (var i = 0; i < n; i++)
                EncoderRows[i * k + kk] = w[kk * n + i];

        PaddedK = (k + EncoderRowAlignment - 1) / EncoderRowAlignment * EncoderRowAlignment;
        PaddedBias = new double[PaddedK];
        parameters.B.CopyTo(PaddedBias);
        PaddedEncoderRows = new double[n * PaddedK];
        for (var i = 0; i < n; i++)
            EncoderRows.AsSpan(i * k, k).CopyTo(PaddedEncoderRows.AsSpan(i * PaddedK, k));

        // A step draws ⌈N/4⌉ pixel blocks and one more for z: the batches cover blocks 0 … ⌈N/4⌉.
        Batches = (n + 3) / 4 / 8 + 1;
        InterleavedThresholds = new int[k * Batches * PixelsPerBatch];
        for (var z = 0; z < k; z++)
            for (var batch = 0; batch < Batches; batch++)
                for (var word = 0; word < 4; word++)
                    for (var lane = 0; lane < 8; lane++)
                    {
                        var i = batch * PixelsPerBatch + 4 * lane + word;
                        var threshold = i < n ? DecoderThreshold[z * n + i] : 0u;
                        InterleavedThresholds[(z * Batches + batch) * PixelsPerBatch + word * 8 + lane] = (int)(threshold ^ 0x8000_0000u);
                    }

        // The 16-lane sweep draws the same blocks sixteen at a time; a remainder of up to eight blocks is left to one
        // 8-lane batch (InterleavedThresholds' batch 2·WideBatches) rather than drawing up to fifteen blocks for nothing.
        var blocks = (n + 3) / 4 + 1;
        WideBatches = blocks % 16 > 8 ? blocks / 16 + 1 : blocks / 16;
        HasNarrowTail = blocks > WideBatches * 16;
        WideThresholds = new uint[k * WideBatches * PixelsPerWideBatch];
        for (var z = 0; z < k; z++)
            for (var batch = 0; batch < WideBatches; batch++)
                for (var word = 0; word < 4; word++)
                    for (var lane = 0; lane < 16; lane++)
                    {
                        var i = batch * PixelsPerWideBatch + 4 * lane + word;
                        WideThresholds[(z * WideBatches + batch) * PixelsPerWideBatch + word * 16 + lane] = i < n ? DecoderThreshold[z * n + i] : 0u;
                    }
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

    /// <summary>K rounded up to a multiple of <see cref="EncoderRowAlignment"/>.</summary>
    internal int PaddedK { get; }

    /// <summary>b padded with zeros to <see cref="PaddedK"/>.</summary>
    internal double[] PaddedBias { get; }

    /// <summary><c>PaddedEncoderRows[i*PaddedK + k]</c> = W[k, i], zero for k ≥ K.</summary>
    internal double[] PaddedEncoderRows { get; }

    /// <summary>Number of 32-pixel batches a step draws (the last one also holds the z draw).</summary>
    internal int Batches { get; }

    /// <summary>
    /// The thresholds in the order the 8-lane generator produces words, XOR 2³¹ so that a signed compare
    /// orders them as unsigned: <c>[((z*Batches + batch)*4 + word)*8 + lane]</c> is pixel batch·32 + 4·lane + word
    /// (block 8·batch + lane, word <c>word</c>); pixels past N get threshold 0, never active.
    /// </summary>
    internal int[] InterleavedThresholds { get; }

    /// <summary>Number of 64-pixel batches of the 16-lane sweep.</summary>
    internal int WideBatches { get; }

    /// <summary>Whether the 16-lane sweep ends with one 8-lane batch (blocks 16·WideBatches …, at most eight).</summary>
    internal bool HasNarrowTail { get; }

    /// <summary>
    /// The thresholds in the order the 16-lane generator produces words: <c>[((z*WideBatches + batch)*4 + word)*16 + lane]</c>
    /// is pixel batch·64 + 4·lane + word; pixels past N get threshold 0, never active.
    /// </summary>
    internal uint[] WideThresholds { get; }

    public static uint BernoulliThreshold(double logit)
    {
        var mu = Logistic.Sigmoid(logit);
        var t = Math.Floor(mu * 4294967296.0);
        return t >= 4294967295.0 ? uint.MaxValue : t <= 0 ? 0u : (uint)t;
    }
}
