using LatentCycles.Core.Model;

namespace LatentCycles.Core.Chains;

/// <summary>
/// A round's parameters laid out for the chain sweep, computed once per round and shared read-only
/// by every thread: Bernoulli thresholds for the decoder and encoder rows per pixel, plus the padded
/// copies the vectorized sweep reads.
/// </summary>
public sealed class PreparedParameters
{
    /// <summary>Philox blocks per batch of the sweep: sixteen blocks of four 32-bit words, 128 sixteen-bit uniforms.</summary>
    internal const int BlocksPerBatch = 16;

    /// <summary>Pixels per batch: each of a batch's 64 words gives two pixels their 16-bit uniforms.</summary>
    internal const int PixelsPerBatch = 128;

    public PreparedParameters(ModelParameters parameters)
    {
        Parameters = parameters;
        int k = parameters.K, n = parameters.N;
        ReadOnlySpan<double> w = parameters.W, l = parameters.L;
        PaddedK = ShortVectors.PaddedLength(k);
        PaddedBias = new double[PaddedK];
        parameters.B.CopyTo(PaddedBias);
        // Every lane is written: the K weights of each row below, its padding lanes here (zero, so they add nothing).
        PaddedEncoderRows = GC.AllocateUninitializedArray<double>(n * PaddedK);
        for (var i = 0; i < n; i++) PaddedEncoderRows.AsSpan(i * PaddedK + k, PaddedK - k).Clear();
        for (var kk = 0; kk < k; kk++)
            for (var i = 0; i < n; i++)
                PaddedEncoderRows[i * PaddedK + kk] = w[kk * n + i];

        DecoderMeans = GC.AllocateUninitializedArray<double>(l.Length);
        Logistic.Sigmoid(l, DecoderMeans);

        PixelBlocks = PixelBlockCount(n);
        SweepBatches = SweepBatchCount(n);
        PaddedPixels = SweepBatches * PixelsPerBatch;
        SampleThresholds = new ushort[k * PaddedPixels];
        var means = DecoderMeans;
        for (var z = 0; z < k; z++)
            for (var i = 0; i < n; i++)
                SampleThresholds[z * PaddedPixels + i] = SampleThresholdOfMean(means[i * k + z]);
    }

    public ModelParameters Parameters { get; }

    /// <summary>
    /// μ = σ(L) in L's layout (i·K + z), the decoder's pixel means the thresholds are drawn from, computed a vector at a
    /// time (<see cref="Logistic.Sigmoid(ReadOnlySpan{double}, Span{double})"/>); read-only.
    /// </summary>
    public double[] DecoderMeans { get; }
    public int K => Parameters.K;
    public int N => Parameters.N;

    /// <summary>
    /// <c>DecoderThreshold[z*N + i]</c>: x_i = 1 exactly when a uniform 32-bit word is below it, i.e. with
    /// probability ⌊σ(L_iz)·2³²⌋ / 2³² (within 2⁻³² of σ(L_iz)). The final draw of generated images uses these; the
    /// chain sweep draws from 16-bit uniforms (<see cref="SampleThresholds"/>).
    /// </summary>
    public uint[] DecoderThreshold => LazyInitializer.EnsureInitialized(ref _decoderThreshold, () =>
    {
        int k = K, n = N;
        var means = DecoderMeans;
        var thresholds = new uint[k * n];
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                thresholds[z * n + i] = BernoulliThresholdOfMean(means[i * k + z]);
        return thresholds;
    });

    // Built on first use, not every round: the chain sweep reads only the padded copies and the 16-bit thresholds.
    private uint[]? _decoderThreshold;
    private double[]? _encoderRows;

    /// <summary><c>EncoderRows[i*K + k]</c> = W[k, i]: the encoder logits are b plus the rows of the active pixels.</summary>
    public double[] EncoderRows => LazyInitializer.EnsureInitialized(ref _encoderRows, () =>
    {
        int k = K, n = N;
        var rows = new double[n * k];
        for (var i = 0; i < n; i++)
            PaddedEncoderRows.AsSpan(i * PaddedK, k).CopyTo(rows.AsSpan(i * k, k));
        return rows;
    });

    /// <summary>K rounded up to a multiple of 4, the width <see cref="ShortVectors.SumSelectedRows"/> sums the encoder rows in.</summary>
    internal int PaddedK { get; }

    /// <summary>b padded with zeros to <see cref="PaddedK"/>.</summary>
    internal double[] PaddedBias { get; }

    /// <summary><c>PaddedEncoderRows[i*PaddedK + k]</c> = W[k, i], zero for k ≥ K.</summary>
    internal double[] PaddedEncoderRows { get; }

    /// <summary>
    /// The Philox blocks whose words give a chain step's pixels, blocks 0 … PixelBlocks − 1 of the step's stream; block
    /// PixelBlocks gives the z draw (its first word). See <see cref="PixelOf"/>.
    /// </summary>
    public int PixelBlocks { get; }

    /// <summary>Batches of <see cref="BlocksPerBatch"/> blocks the vector sweep draws per step: the pixel blocks and the z block.</summary>
    internal int SweepBatches { get; }

    /// <summary>Pixels covered by the sweep's batches, <see cref="SweepBatches"/>·128 ≥ N: the stride of the threshold rows.</summary>
    internal int PaddedPixels { get; }

    /// <summary>
    /// <c>SampleThresholds[z*PaddedPixels + i]</c>: x_i = 1 exactly when pixel i's 16-bit uniform is below it
    /// (<see cref="SampleThreshold"/>); 0 (never) past N.
    /// </summary>
    internal ushort[] SampleThresholds { get; }

    /// <summary>
    /// <see cref="SampleThresholds"/> XOR 2¹⁵, so that a signed 16-bit compare (all AVX2 has) orders them as unsigned.
    /// Built on first use: only the 8-lane sweep reads them, so a processor with the 16-lane sweep never builds them.
    /// </summary>
    internal short[] SignedSampleThresholds => LazyInitializer.EnsureInitialized(ref _signedSampleThresholds,
        () => Array.ConvertAll(SampleThresholds, t => (short)(t ^ 0x8000)));

    private short[]? _signedSampleThresholds;

    /// <summary>
    /// The pixel that half <paramref name="half"/> (0 = low 16 bits) of word <paramref name="word"/> of a step's block
    /// <paramref name="block"/> draws for: 128·⌊block/16⌋ + 32·word + 2·(block mod 16) + half. This is the order in which
    /// sixteen blocks computed side by side, one vector per word, hold their halves, so each vector compares 32
    /// consecutive pixels with one instruction. Positions at or past N draw nothing.
    /// </summary>
    public static int PixelOf(int block, int word, int half) =>
        PixelsPerBatch * (block / BlocksPerBatch) + 32 * word + 2 * (block % BlocksPerBatch) + half;

    /// <summary>The number of blocks whose words give the pixels 0 … N−1 under <see cref="PixelOf"/> (at least one).</summary>
    public static int PixelBlockCount(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"N must be positive, got {n}");
        var fullBatches = n / PixelsPerBatch;
        var rest = n % PixelsPerBatch;
        // A partial batch with at most 32 pixels uses only word 0, of its first ⌈rest/2⌉ blocks.
        var restBlocks = rest == 0 ? 0 : rest >= 32 ? BlocksPerBatch : (rest + 1) / 2;
        return fullBatches * BlocksPerBatch + restBlocks;
    }

    /// <summary>The batches of <see cref="BlocksPerBatch"/> blocks that hold a step's pixel blocks and its z block.</summary>
    internal static int SweepBatchCount(int n) => (PixelBlockCount(n) + 1 + BlocksPerBatch - 1) / BlocksPerBatch;

    /// <summary>
    /// The 16-bit threshold ⌊σ(logit)·2¹⁶⌋ (at most 2¹⁶ − 1) that a chain step's uniform u ∈ {0, …, 2¹⁶ − 1} must be
    /// below for the pixel to be 1: probability within 2⁻¹⁶ of σ(logit) (MODEL.md §8).
    /// </summary>
    public static ushort SampleThreshold(double logit) => SampleThresholdOfMean(Logistic.Sigmoid(logit));

    private static ushort SampleThresholdOfMean(double mu)
    {
        var t = Math.Floor(mu * 65536.0);
        return t >= 65535.0 ? ushort.MaxValue : t <= 0 ? (ushort)0 : (ushort)t;
    }

    public static uint BernoulliThreshold(double logit) => BernoulliThresholdOfMean(Logistic.Sigmoid(logit));

    private static uint BernoulliThresholdOfMean(double mu)
    {
        var t = Math.Floor(mu * 4294967296.0);
        return t >= 4294967295.0 ? uint.MaxValue : t <= 0 ? 0u : (uint)t;
    }
}
