using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Chains;

/// <summary>How <see cref="ChainSweeper"/> draws x: plain scalar Philox, or 8 or 16 Philox blocks per vector (AVX2, AVX-512).</summary>
public enum SweepPath { Scalar, EightLane, SixteenLane }

/// <summary>
/// Advances blocks of persistent chains x_t → z_t ~ p(·|x_t) → x_{t+1} ~ q(·|z_t) (MODEL.md §1) and
/// accumulates their two-step statistics (§3). One sweeper per thread: it owns scratch buffers so the
/// hot loop allocates nothing. Hand-written because it is the hot loop of the whole trainer: with AVX2 the
/// N uniforms of a step come from the 8-lane Philox (16-lane with AVX-512) and are compared with the thresholds a vector
/// at a time into a bit mask, and the encoder sums and statistics use 4-lane double vectors. Every double is summed in
/// the same order as the plain scalar loops, so the results are bit-identical with or without AVX2.
/// </summary>
public sealed class ChainSweeper
{
    private readonly int _k, _n;
    private readonly SweepPath _path;
    private readonly int _zLane;
    private readonly int _wideZLane;
    private readonly int[] _active;
    private readonly double[] _logits;
    private readonly double[] _probabilities;
    private readonly long[] _fixedProbabilities;

    public ChainSweeper(int k, int n) : this(k, n, FastestPath) { }

    /// <param name="path">How to draw x (tests force each path the processor supports).</param>
    internal ChainSweeper(int k, int n, SweepPath path)
    {
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"this processor cannot run the {path} chain sweep");
        _k = k;
        _n = n;
        _path = path;
        var zBlock = (n + 3) / 4;
        _zLane = zBlock % 8;
        // The z block is the last one drawn: in the last 16-lane batch, or in the 8-lane tail that starts at a multiple of 16.
        _wideZLane = zBlock % 16;
        _active = new int[n + 8];
        var paddedK = (k + PreparedParameters.EncoderRowAlignment - 1) / PreparedParameters.EncoderRowAlignment
            * PreparedParameters.EncoderRowAlignment;
        _logits = new double[paddedK];
        _probabilities = new double[paddedK];
        _fixedProbabilities = new long[paddedK];
    }

    /// <summary>The widest path this processor runs.</summary>
    public static SweepPath FastestPath => IsSupported(SweepPath.SixteenLane) ? SweepPath.SixteenLane
        : IsSupported(SweepPath.EightLane) ? SweepPath.EightLane : SweepPath.Scalar;

    public static bool IsSupported(SweepPath path) => path switch
    {
        SweepPath.SixteenLane => Philox4x32.IsSixteenLaneSupported && Philox4x32.IsEightLaneSupported && Bmi2.X64.IsSupported,
        SweepPath.EightLane => Philox4x32.IsEightLaneSupported,
        _ => true,
    };

    /// <summary>
    /// Advances each chain of a block <paramref name="sweeps"/> steps. <paramref name="states"/> holds the
    /// latent state of chains <paramref name="firstChainId"/>, … on entry and their new states on return.
    /// Chain c's draws in sweep s of round r come from the stream (seed, Chain, c, r, s): blocks 0 … ⌈N/4⌉−1
    /// give the pixels four at a time, the next block's first word gives z.
    /// </summary>
    public void Advance(PreparedParameters prepared, ulong seed, uint round, int firstChainId, Span<byte> states,
        int sweeps, ChainStatistics statistics)
    {
        if (prepared.K != _k || prepared.N != _n || statistics.K != _k || statistics.N != _n)
            throw new ArgumentException("sweeper, parameters and statistics differ in shape");
        if (sweeps < 0) throw new ArgumentOutOfRangeException(nameof(sweeps), $"sweeps must not be negative, got {sweeps}");
        foreach (var state in states)
            if (state >= _k) throw new ArgumentException($"chain state {state} is not below K = {_k}", nameof(states));
        for (var c = 0; c < states.Length; c++)
        {
            int z = states[c];
            for (var s = 0; s < sweeps; s++)
            {
                var stream = new CounterRandom(seed, StreamPurpose.Chain, (uint)(firstChainId + c), round, (uint)s);
                z = Step(prepared, ref stream, z, statistics);
            }
            states[c] = (byte)z;
        }
        statistics.Transitions += (long)states.Length * sweeps;
    }

    /// <summary>One transition z_{t-1} → x_t → z_t, with its statistics. Returns z_t.</summary>
    private int Step(PreparedParameters prepared, ref CounterRandom stream, int zPrev, ChainStatistics statistics)
    {
        uint zWord;
        var activeCount = _path switch
        {
            SweepPath.SixteenLane => SampleVisibleSixteenLane(prepared, zPrev, in stream, out zWord),
            SweepPath.EightLane => SampleVisibleEightLane(prepared, zPrev, in stream, out zWord),
            _ => SampleVisibleScalar(prepared, zPrev, ref stream, out zWord),
        };
        EncoderProbabilities(prepared, activeCount);
        var zNext = SampleCategorical(_probabilities.AsSpan(0, _k), zWord);
        Accumulate(statistics, zPrev, zNext, activeCount);
        return zNext;
    }

    /// <summary>
    /// Draws x ~ q(·|z) into the ascending list of active pixels and returns its length; <paramref name="zWord"/>
    /// is the first word of the block after the pixel blocks. Eight Philox blocks (32 pixels) per batch: the
    /// words are compared with the interleaved thresholds, packed to bytes, put back into pixel order by a byte
    /// shuffle (a 4×4 transpose per 16 pixels) and read out as one 32-bit mask.
    /// </summary>
    private int SampleVisibleEightLane(PreparedParameters prepared, int z, in CounterRandom stream, out uint zWord)
    {
        const int batchPixels = PreparedParameters.PixelsPerBatch;
        var batches = prepared.Batches;
        ref var thresholds = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(prepared.InterleavedThresholds),
            z * batches * batchPixels);
        ref var active = ref MemoryMarshal.GetArrayDataReference(_active);
        uint key0 = stream.Key0, key1 = stream.Key1;
        var counter1 = Vector256.Create(stream.Counter1);
        var counter2 = Vector256.Create(stream.Counter2);
        var counter3 = Vector256.Create(stream.Counter3);
        var blockIndex = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        var lastWord0 = Vector256<uint>.Zero;
        var count = 0;
        var batch = 0;
        for (; batch + 2 <= batches; batch += 2)
        {
            var a0 = blockIndex;
            var b0 = blockIndex + Vector256.Create(8u);
            Vector256<uint> a1 = counter1, a2 = counter2, a3 = counter3, b1 = counter1, b2 = counter2, b3 = counter3;
            Philox4x32.Block8Twice(key0, key1, ref a0, ref a1, ref a2, ref a3, ref b0, ref b1, ref b2, ref b3);
            blockIndex += Vector256.Create(16u);
            ref var t = ref Unsafe.Add(ref thresholds, batch * batchPixels);
            count = AppendActive(ref active, count, batch * batchPixels, BelowMask(ref t, a0, a1, a2, a3));
            count = AppendActive(ref active, count, (batch + 1) * batchPixels,
                BelowMask(ref Unsafe.Add(ref t, batchPixels), b0, b1, b2, b3));
            if (batch + 2 == batches) lastWord0 = b0;
        }
        if (batch < batches)
        {
            var a0 = blockIndex;
            Vector256<uint> a1 = counter1, a2 = counter2, a3 = counter3;
            Philox4x32.Block8(key0, key1, ref a0, ref a1, ref a2, ref a3);
            count = AppendActive(ref active, count, batch * batchPixels,
                BelowMask(ref Unsafe.Add(ref thresholds, batch * batchPixels), a0, a1, a2, a3));
            lastWord0 = a0;
        }
        zWord = lastWord0.GetElement(_zLane);
        return count;
    }

    /// <summary>
    /// <see cref="SampleVisibleEightLane"/> with sixteen Philox blocks (64 pixels) per batch and AVX-512: the words are
    /// compared with the thresholds straight into four 16-bit masks, which bit-deposit interleaves into pixel order.
    /// A remainder of at most eight blocks is drawn as one 8-lane batch.
    /// </summary>
    private int SampleVisibleSixteenLane(PreparedParameters prepared, int z, in CounterRandom stream, out uint zWord)
    {
        const int batchPixels = PreparedParameters.PixelsPerWideBatch;
        var batches = prepared.WideBatches;
        ref var thresholds = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(prepared.WideThresholds),
            z * batches * batchPixels);
        ref var active = ref MemoryMarshal.GetArrayDataReference(_active);
        uint key0 = stream.Key0, key1 = stream.Key1;
        var counter1 = Vector512.Create(stream.Counter1);
        var counter2 = Vector512.Create(stream.Counter2);
        var counter3 = Vector512.Create(stream.Counter3);
        var blockIndex = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var lastWord0 = Vector512<uint>.Zero;
        var count = 0;
        var batch = 0;
        for (; batch + 2 <= batches; batch += 2)
        {
            var a0 = blockIndex;
            var b0 = blockIndex + Vector512.Create(16u);
            Vector512<uint> a1 = counter1, a2 = counter2, a3 = counter3, b1 = counter1, b2 = counter2, b3 = counter3;
            Philox4x32.Block16Twice(key0, key1, ref a0, ref a1, ref a2, ref a3, ref b0, ref b1, ref b2, ref b3);
            blockIndex += Vector512.Create(32u);
            ref var t = ref Unsafe.Add(ref thresholds, batch * batchPixels);
            count = AppendActive(ref active, count, batch * batchPixels, BelowMask(ref t, a0, a1, a2, a3));
            count = AppendActive(ref active, count, (batch + 1) * batchPixels,
                BelowMask(ref Unsafe.Add(ref t, batchPixels), b0, b1, b2, b3));
            if (batch + 2 == batches) lastWord0 = b0;
        }
        if (batch < batches)
        {
            var a0 = blockIndex;
            Vector512<uint> a1 = counter1, a2 = counter2, a3 = counter3;
            Philox4x32.Block16(key0, key1, ref a0, ref a1, ref a2, ref a3);
            count = AppendActive(ref active, count, batch * batchPixels,
                BelowMask(ref Unsafe.Add(ref thresholds, batch * batchPixels), a0, a1, a2, a3));
            lastWord0 = a0;
        }
        if (!prepared.HasNarrowTail)
        {
            zWord = lastWord0.GetElement(_wideZLane);
            return count;
        }
        const int narrowPixels = PreparedParameters.PixelsPerBatch;
        var narrowBatch = 2 * batches;
        var c0 = Vector256.Create((uint)(16 * batches)) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> c1 = Vector256.Create(stream.Counter1), c2 = Vector256.Create(stream.Counter2), c3 = Vector256.Create(stream.Counter3);
        Philox4x32.Block8(key0, key1, ref c0, ref c1, ref c2, ref c3);
        ref var narrowThresholds = ref MemoryMarshal.GetArrayDataReference(prepared.InterleavedThresholds);
        count = AppendActive(ref active, count, narrowBatch * narrowPixels,
            BelowMask(ref Unsafe.Add(ref narrowThresholds, (z * prepared.Batches + narrowBatch) * narrowPixels), c0, c1, c2, c3));
        zWord = c0.GetElement(_wideZLane);
        return count;
    }

    /// <summary>
    /// The 64-bit mask of a 16-lane batch's pixels whose word is below its threshold, bit j for pixel batch·64 + j:
    /// word w of block (lane) l is pixel 4l + w, so mask w's bit l is deposited at bit 4l + w.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BelowMask(ref uint thresholds, Vector512<uint> word0, Vector512<uint> word1, Vector512<uint> word2, Vector512<uint> word3)
    {
        var below0 = Vector512.LessThan(word0, Vector512.LoadUnsafe(ref thresholds)).ExtractMostSignificantBits();
        var below1 = Vector512.LessThan(word1, Vector512.LoadUnsafe(ref thresholds, 16)).ExtractMostSignificantBits();
        var below2 = Vector512.LessThan(word2, Vector512.LoadUnsafe(ref thresholds, 32)).ExtractMostSignificantBits();
        var below3 = Vector512.LessThan(word3, Vector512.LoadUnsafe(ref thresholds, 48)).ExtractMostSignificantBits();
        return Bmi2.X64.ParallelBitDeposit(below0, 0x1111_1111_1111_1111UL)
            | Bmi2.X64.ParallelBitDeposit(below1, 0x2222_2222_2222_2222UL)
            | Bmi2.X64.ParallelBitDeposit(below2, 0x4444_4444_4444_4444UL)
            | Bmi2.X64.ParallelBitDeposit(below3, 0x8888_8888_8888_8888UL);
    }

    /// <summary>The pixels of a 64-pixel mask appended to the active list (<see cref="AppendActive(ref int, int, int, uint)"/> twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendActive(ref int active, int count, int firstPixel, ulong mask) =>
        AppendActive(ref active, AppendActive(ref active, count, firstPixel, (uint)mask), firstPixel + 32, (uint)(mask >> 32));

    /// <summary>
    /// The 32-bit mask of the batch's pixels whose word is below its threshold, bit j for pixel batch·32 + j: the
    /// words are compared with the interleaved thresholds, packed to bytes, put back into pixel order by a byte
    /// shuffle (a 4×4 transpose per 16 pixels) and read out with one movemask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BelowMask(ref int thresholds, Vector256<uint> word0, Vector256<uint> word1, Vector256<uint> word2, Vector256<uint> word3)
    {
        var signBit = Vector256.Create(0x8000_0000u);
        var below0 = Avx2.CompareGreaterThan(Vector256.LoadUnsafe(ref thresholds), (word0 ^ signBit).AsInt32());
        var below1 = Avx2.CompareGreaterThan(Vector256.LoadUnsafe(ref thresholds, 8), (word1 ^ signBit).AsInt32());
        var below2 = Avx2.CompareGreaterThan(Vector256.LoadUnsafe(ref thresholds, 16), (word2 ^ signBit).AsInt32());
        var below3 = Avx2.CompareGreaterThan(Vector256.LoadUnsafe(ref thresholds, 24), (word3 ^ signBit).AsInt32());
        var bytes = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(below0, below1), Avx2.PackSignedSaturate(below2, below3));
        var toPixelOrder = Vector256.Create(
            (byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
            0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        return (uint)Avx2.MoveMask(Avx2.Shuffle(bytes.AsByte(), toPixelOrder));
    }

    /// <summary>
    /// Appends the pixels of a 32-bit mask to the active list without branches: each byte of the mask looks up its
    /// bit positions in <see cref="BytePositions"/> and writes all eight (the list has room), of which the first
    /// PopCount(byte) count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendActive(ref int active, int count, int firstPixel, uint mask)
    {
        ref var positions = ref MemoryMarshal.GetArrayDataReference(BytePositions);
        for (var shift = 0; shift < 32; shift += 8)
        {
            var bits = (mask >> shift) & 0xFF;
            var indices = Vector256.LoadUnsafe(ref positions, bits * 8) + Vector256.Create(firstPixel + shift);
            indices.StoreUnsafe(ref active, (nuint)count);
            count += BitOperations.PopCount(bits);
        }
        return count;
    }

    /// <summary><c>BytePositions[b*8 + j]</c>: the position of the j-th set bit of byte b (0 past the last one).</summary>
    private static readonly int[] BytePositions = CreateBytePositions();

    private static int[] CreateBytePositions()
    {
        var positions = new int[256 * 8];
        for (var b = 0; b < 256; b++)
        {
            var j = 0;
            for (var bit = 0; bit < 8; bit++)
                if ((b >> bit & 1) != 0) positions[b * 8 + j++] = bit;
        }
        return positions;
    }

    /// <summary>The scalar fallback of <see cref="SampleVisibleEightLane"/>: one block of four pixels at a time.</summary>
    private int SampleVisibleScalar(PreparedParameters prepared, int z, ref CounterRandom stream, out uint zWord)
    {
        var n = _n;
        var threshold = prepared.DecoderThreshold.AsSpan(z * n, n);
        var active = _active;
        var count = 0;
        var i = 0;
        for (; i + 4 <= n; i += 4)
        {
            stream.NextBlock(out var a, out var b, out var c, out var d);
            active[count] = i; count += a < threshold[i] ? 1 : 0;
            active[count] = i + 1; count += b < threshold[i + 1] ? 1 : 0;
            active[count] = i + 2; count += c < threshold[i + 2] ? 1 : 0;
            active[count] = i + 3; count += d < threshold[i + 3] ? 1 : 0;
        }
        if (i < n)
        {
            stream.NextBlock(out var a, out var b, out var c, out _);
            for (var j = 0; i < n; i++, j++)
            {
                active[count] = i;
                count += (j == 0 ? a : j == 1 ? b : c) < threshold[i] ? 1 : 0;
            }
        }
        stream.NextBlock(out zWord, out _, out _, out _);
        return count;
    }

    /// <summary>
    /// p(·|x) = softmax(b + Σ_{i active} W[·, i]) into the probability buffer. Sixteen logits at a time in four
    /// independent vector sums, each lane adding the rows in pixel order like the scalar sum.
    /// </summary>
    private void EncoderProbabilities(PreparedParameters prepared, int activeCount)
    {
        var paddedK = prepared.PaddedK;
        ref var rows = ref MemoryMarshal.GetArrayDataReference(prepared.PaddedEncoderRows);
        ref var bias = ref MemoryMarshal.GetArrayDataReference(prepared.PaddedBias);
        ref var active = ref MemoryMarshal.GetArrayDataReference(_active);
        ref var logits = ref MemoryMarshal.GetArrayDataReference(_logits);
        for (nuint j = 0; j < (nuint)paddedK; j += PreparedParameters.EncoderRowAlignment)
        {
            var sum0 = Vector256.LoadUnsafe(ref bias, j);
            var sum1 = Vector256.LoadUnsafe(ref bias, j + 4);
            var sum2 = Vector256.LoadUnsafe(ref bias, j + 8);
            var sum3 = Vector256.LoadUnsafe(ref bias, j + 12);
            for (var a = 0; a < activeCount; a++)
            {
                ref var row = ref Unsafe.Add(ref rows, (nuint)Unsafe.Add(ref active, a) * (nuint)paddedK + j);
                sum0 += Vector256.LoadUnsafe(ref row);
                sum1 += Vector256.LoadUnsafe(ref row, 4);
                sum2 += Vector256.LoadUnsafe(ref row, 8);
                sum3 += Vector256.LoadUnsafe(ref row, 12);
            }
            sum0.StoreUnsafe(ref logits, j);
            sum1.StoreUnsafe(ref logits, j + 4);
            sum2.StoreUnsafe(ref logits, j + 8);
            sum3.StoreUnsafe(ref logits, j + 12);
        }
        Logistic.Softmax(_logits.AsSpan(0, _k), _probabilities);
    }

    /// <summary>Adds the step's terms to C, P, GP, Sx and G (layouts and fixed point in <see cref="ChainStatistics"/>).</summary>
    private void Accumulate(ChainStatistics statistics, int zPrev, int zNext, int activeCount)
    {
        int k = _k, n = _n;
        for (var j = 0; j < k; j++)
        {
            if (!double.IsFinite(_probabilities[j])) statistics.HasNonFiniteProbabilities = true;
            _fixedProbabilities[j] = ChainStatistics.ToFixedPoint(_probabilities[j]);
        }
        ref var p = ref MemoryMarshal.GetArrayDataReference(_fixedProbabilities);
        statistics.C[zPrev * k + zNext] += 1;
        var kernelRow = statistics.P.AsSpan(zPrev * k, k);
        for (var j = 0; j < k; j++) kernelRow[j] += ChainStatistics.ToKernelFixedPointFast(_probabilities[j]);
        AddProbabilities(ref statistics.GP[zNext * k], ref p, k);
        ref var sx = ref statistics.Sx[(zPrev * k + zNext) * n];
        ref var g = ref statistics.G[zNext * n * k];
        ref var active = ref MemoryMarshal.GetArrayDataReference(_active);
        for (var a = 0; a < activeCount; a++)
        {
            var i = Unsafe.Add(ref active, a);
            Unsafe.Add(ref sx, i) += 1;
            AddProbabilities(ref Unsafe.Add(ref g, i * k), ref p, k);
        }
    }

    /// <summary>target[0..k) += p[0..k), four lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddProbabilities(ref long target, ref long p, int k)
    {
        nuint j = 0;
        for (; j + 4 <= (nuint)k; j += 4)
            (Vector256.LoadUnsafe(ref target, j) + Vector256.LoadUnsafe(ref p, j)).StoreUnsafe(ref target, j);
        if (j + 2 <= (nuint)k)
        {
            (Vector128.LoadUnsafe(ref target, j) + Vector128.LoadUnsafe(ref p, j)).StoreUnsafe(ref target, j);
            j += 2;
        }
        if (j < (nuint)k) Unsafe.Add(ref target, j) += Unsafe.Add(ref p, j);
    }

    /// <summary>Inverse-CDF draw of a category from probabilities p with a 32-bit uniform word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SampleCategorical(ReadOnlySpan<double> p, uint word)
    {
        var u = word * (1.0 / 4294967296.0);
        var cumulative = 0.0;
        for (var j = 0; j < p.Length - 1; j++)
        {
            cumulative += p[j];
            if (u < cumulative) return j;
        }
        return p.Length - 1;
    }
}
