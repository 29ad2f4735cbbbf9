using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Chains;

/// <summary>How <see cref="ChainSweeper"/> draws x: plain scalar Philox, or 8 or 16 Philox blocks per vector (AVX2, AVX-512 BW).</summary>
public enum SweepPath { Scalar, EightLane, SixteenLane }

/// <summary>
/// Advances blocks of persistent chains x_t → z_t ~ p(·|x_t) → x_{t+1} ~ q(·|z_t) (MODEL.md §1) and
/// accumulates their two-step statistics (§3). One sweeper per thread: it owns scratch buffers so the
/// hot loop allocates nothing. Hand-written because it is the hot loop of the whole trainer: each pixel draws a 16-bit
/// uniform, half a Philox word (<see cref="PreparedParameters.PixelOf"/>); with AVX2 the words come from the 8-lane Philox
/// (16-lane with AVX-512) and 32 pixels' uniforms are compared with their thresholds per instruction into a bit mask,
/// and the encoder sums and statistics use 4-lane double vectors. Every double is summed in the same order as the
/// plain scalar loops, so the results are bit-identical with or without AVX2. The per-pixel statistics (Sx, G) of the
/// steps into one state are added together, a few dozen steps at a time (<see cref="_grouped"/>); they are integers, so
/// the order does not change them.
/// </summary>
public sealed class ChainSweeper
{
    private readonly int _k, _n;
    private readonly SweepPath _path;
    private readonly int _zLane;
    private readonly int[] _active;
    private readonly ushort[] _uniforms;
    private readonly double[] _logits;
    private readonly double[] _probabilities;
    private readonly long[] _fixedProbabilities;

    /// <summary>
    /// Whether a step's per-pixel terms (Sx and G) wait among the steps into the same z_t (<see cref="WaitingSteps"/>)
    /// instead of being added at once. Sx and G are 1.25 MB at N 784, K 10, more than a core's 1 MB L2, and a step adds to
    /// the rows of its hundred-odd active pixels, scattered over both tables. The steps into one z_t touch only that
    /// state's part of G (N·K longs, 63 kB) and its column of Sx, and their active pixels overlap, so adding them together
    /// finds most rows in the cache: 13–15 % more steps per second at K 10 (docs/PERFORMANCE.md, "Sx and G added by state").
    /// The entries are integers, so the grouping does not change them. Above K 15 the waiting lists would be large and
    /// a row no longer fits a few registers: the terms are added at once.
    /// </summary>
    private readonly bool _grouped;

    /// <summary>At most this many steps wait per z_t, with at most <see cref="WaitingPixelCapacity"/> active pixels in all.</summary>
    private const int WaitingSteps = 64;

    /// <summary>Room for the active pixels of one state's waiting steps (at least N, so that one step always fits).</summary>
    private const int WaitingPixelCapacity = 8192;

    private readonly int _paddedK;
    private readonly int _waitingCapacity;
    /// <summary>[z·capacity …]: the active pixels of the steps waiting to go into state z, one list after another.</summary>
    private readonly int[] _waitingPixels;
    /// <summary>[z·WaitingSteps + s]: where waiting step s of state z ends in its pixel list.</summary>
    private readonly int[] _waitingEnds;
    /// <summary>[z·WaitingSteps + s]: z_{t-1} of waiting step s of state z (its row of Sx).</summary>
    private readonly int[] _waitingPrevious;
    /// <summary>[(z·WaitingSteps + s)·paddedK + k]: p_k(x_t) of waiting step s of state z, in fixed point.</summary>
    private readonly long[] _waitingProbabilities;
    /// <summary>How many steps wait to go into each state.</summary>
    private readonly int[] _waitingCount;

    public ChainSweeper(int k, int n) : this(k, n, FastestPath) { }

    /// <param name="path">How to draw x (tests force each path the processor supports).</param>
    internal ChainSweeper(int k, int n, SweepPath path)
    {
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"this processor cannot run the {path} chain sweep");
        _k = k;
        _n = n;
        _path = path;
        // The z block comes right after the pixel blocks, in the last batch.
        _zLane = PreparedParameters.PixelBlockCount(n) % PreparedParameters.BlocksPerBatch;
        _active = new int[n + 16];
        _uniforms = path == SweepPath.Scalar ? new ushort[PreparedParameters.SweepBatchCount(n) * PreparedParameters.PixelsPerBatch] : [];
        var paddedK = ShortVectors.PaddedLength(k);
        _logits = new double[paddedK];
        _probabilities = new double[paddedK];
        _fixedProbabilities = new long[paddedK];
        _paddedK = paddedK;
        _grouped = k <= MaxGroupedK;
        _waitingCapacity = _grouped ? Math.Max(WaitingPixelCapacity, n) : 0;
        _waitingPixels = new int[_grouped ? k * _waitingCapacity : 0];
        _waitingEnds = new int[_grouped ? k * WaitingSteps : 0];
        _waitingPrevious = new int[_grouped ? k * WaitingSteps : 0];
        _waitingProbabilities = new long[_grouped ? k * WaitingSteps * paddedK : 0];
        _waitingCount = new int[k];
    }

    /// <summary>The largest K whose per-pixel terms are grouped by state (<see cref="_grouped"/>).</summary>
    internal const int MaxGroupedK = 15;

    /// <summary>The widest path this processor runs.</summary>
    public static SweepPath FastestPath => IsSupported(SweepPath.SixteenLane) ? SweepPath.SixteenLane
        : IsSupported(SweepPath.EightLane) ? SweepPath.EightLane : SweepPath.Scalar;

    public static bool IsSupported(SweepPath path) => path switch
    {
        SweepPath.SixteenLane => Philox4x32.IsSixteenLaneSupported && Avx512BW.IsSupported,
        SweepPath.EightLane => Philox4x32.IsEightLaneSupported,
        _ => true,
    };

    /// <summary>
    /// Advances each chain of a block <paramref name="sweeps"/> steps. <paramref name="states"/> holds the
    /// latent state of chains <paramref name="firstChainId"/>, … on entry and their new states on return.
    /// Chain c's draws in sweep s of round r come from the stream (seed, Chain, c, r, s): blocks 0 … PixelBlocks − 1
    /// give the pixels eight at a time, two 16-bit halves per word (<see cref="PreparedParameters.PixelOf"/>), the next
    /// block's first word gives z.
    /// </summary>
    public void Advance(PreparedParameters prepared, ulong seed, uint round, int firstChainId, Span<byte> states,
        int sweeps, ChainStatistics statistics)
    {
        if (prepared.K != _k || prepared.N != _n || statistics.K != _k || statistics.N != _n)
            throw new ArgumentException("sweeper, parameters and statistics differ in shape");
        if (sweeps < 0) throw new ArgumentOutOfRangeException(nameof(sweeps), $"sweeps must not be negative, got {sweeps}");
        foreach (var state in states)
            if (state >= _k) throw new ArgumentException($"chain state {state} is not below K = {_k}", nameof(states));
        try
        {
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
        }
        finally
        {
            // The statistics are complete on return: no step's terms stay behind for another call.
            for (var z = 0; z < _k; z++) AddWaitingSteps(statistics, z);
        }
        statistics.Transitions += (long)states.Length * sweeps;
    }

    /// <summary>
    /// p(·|x) for one draw x ~ q(·|z) from the stream's next PixelBlocks blocks (it is not advanced), in a buffer that the
    /// next call overwrites: the draws of a fresh-sample kernel estimate (MODEL.md §2), with the sweep's vector code.
    /// </summary>
    internal ReadOnlySpan<double> DrawEncoderProbabilities(PreparedParameters prepared, int z, CounterRandom stream)
    {
        var activeCount = _path switch
        {
            SweepPath.SixteenLane => SampleVisibleSixteenLane(prepared, z, in stream, out _),
            SweepPath.EightLane => SampleVisibleEightLane(prepared, z, in stream, out _),
            _ => SampleVisibleScalar(prepared, z, ref stream, out _),
        };
        EncoderProbabilities(prepared, activeCount);
        return _probabilities.AsSpan(0, _k);
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
    /// Draws x ~ q(·|z) from the stream's blocks from its position on into the ascending list of active pixels and
    /// returns its length; <paramref name="zWord"/> is the first word of the block after the pixel blocks. A batch is
    /// sixteen Philox blocks, computed as two sets of eight; the halves of word w of a set's eight blocks are 16
    /// consecutive pixels (<see cref="PreparedParameters.PixelOf"/>), compared with their thresholds as signed 16-bit
    /// numbers (AVX2 has no unsigned compare; the thresholds are stored XOR 2¹⁵, the words are flipped likewise) and packed,
    /// with the other set's 16, into one 32-bit mask of pixels 128·batch + 32·w + 0 … 31.
    /// </summary>
    private int SampleVisibleEightLane(PreparedParameters prepared, int z, in CounterRandom stream, out uint zWord)
    {
        const int batchPixels = PreparedParameters.PixelsPerBatch;
        var batches = prepared.SweepBatches;
        ref var thresholds = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(prepared.SignedSampleThresholds),
            z * prepared.PaddedPixels);
        ref var active = ref MemoryMarshal.GetArrayDataReference(_active);
        uint key0 = stream.Key0, key1 = stream.Key1;
        var counter1 = Vector256.Create(stream.Counter1);
        var counter2 = Vector256.Create(stream.Counter2);
        var counter3 = Vector256.Create(stream.Counter3);
        var blockIndex = Vector256.Create(stream.Index) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> lastFirstWords = default, lastSecondWords = default;
        var count = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            var a0 = blockIndex;
            var b0 = blockIndex + Vector256.Create(8u);
            Vector256<uint> a1 = counter1, a2 = counter2, a3 = counter3, b1 = counter1, b2 = counter2, b3 = counter3;
            Philox4x32.Block8Twice(key0, key1, ref a0, ref a1, ref a2, ref a3, ref b0, ref b1, ref b2, ref b3);
            blockIndex += Vector256.Create(16u);
            ref var t = ref Unsafe.Add(ref thresholds, batch * batchPixels);
            var mask01 = BelowMask(ref t, a0, b0) | (ulong)BelowMask(ref Unsafe.Add(ref t, 32), a1, b1) << 32;
            var mask23 = BelowMask(ref Unsafe.Add(ref t, 64), a2, b2) | (ulong)BelowMask(ref Unsafe.Add(ref t, 96), a3, b3) << 32;
            count = AppendActive(ref active, count, batch * batchPixels, mask01);
            count = AppendActive(ref active, count, batch * batchPixels + 64, mask23);
            lastFirstWords = a0;
            lastSecondWords = b0;
        }
        zWord = _zLane < 8 ? lastFirstWords.GetElement(_zLane) : lastSecondWords.GetElement(_zLane - 8);
        return count;
    }

    /// <summary>
    /// <see cref="SampleVisibleEightLane"/> with sixteen Philox blocks per vector and AVX-512 BW: word w's vector, read as
    /// 32 unsigned 16-bit numbers, is pixels 128·batch + 32·w + 0 … 31 in order, so one unsigned compare gives their mask.
    /// </summary>
    private int SampleVisibleSixteenLane(PreparedParameters prepared, int z, in CounterRandom stream, out uint zWord)
    {
        const int batchPixels = PreparedParameters.PixelsPerBatch;
        var batches = prepared.SweepBatches;
        ref var thresholds = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(prepared.SampleThresholds),
            z * prepared.PaddedPixels);
        ref var active = ref MemoryMarshal.GetArrayDataReference(_active);
        uint key0 = stream.Key0, key1 = stream.Key1;
        var counter1 = Vector512.Create(stream.Counter1);
        var counter2 = Vector512.Create(stream.Counter2);
        var counter3 = Vector512.Create(stream.Counter3);
        var blockIndex = Vector512.Create(stream.Index) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
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
            count = AppendBatch(ref active, count, batch * batchPixels, ref t, a0, a1, a2, a3);
            count = AppendBatch(ref active, count, (batch + 1) * batchPixels, ref Unsafe.Add(ref t, batchPixels), b0, b1, b2, b3);
            lastWord0 = b0;
        }
        if (batch < batches)
        {
            var a0 = blockIndex;
            Vector512<uint> a1 = counter1, a2 = counter2, a3 = counter3;
            Philox4x32.Block16(key0, key1, ref a0, ref a1, ref a2, ref a3);
            count = AppendBatch(ref active, count, batch * batchPixels, ref Unsafe.Add(ref thresholds, batch * batchPixels),
                a0, a1, a2, a3);
            lastWord0 = a0;
        }
        zWord = lastWord0.GetElement(_zLane);
        return count;
    }

    /// <summary>Appends a 16-lane batch's active pixels (128 from <paramref name="firstPixel"/> on) to the list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendBatch(ref int active, int count, int firstPixel, ref ushort thresholds,
        Vector512<uint> word0, Vector512<uint> word1, Vector512<uint> word2, Vector512<uint> word3)
    {
        var below0 = Vector512.LessThan(word0.AsUInt16(), Vector512.LoadUnsafe(ref thresholds)).ExtractMostSignificantBits();
        var below1 = Vector512.LessThan(word1.AsUInt16(), Vector512.LoadUnsafe(ref thresholds, 32)).ExtractMostSignificantBits();
        var below2 = Vector512.LessThan(word2.AsUInt16(), Vector512.LoadUnsafe(ref thresholds, 64)).ExtractMostSignificantBits();
        var below3 = Vector512.LessThan(word3.AsUInt16(), Vector512.LoadUnsafe(ref thresholds, 96)).ExtractMostSignificantBits();
        count = AppendSixteen(ref active, count, firstPixel, (uint)below0 & 0xFFFF);
        count = AppendSixteen(ref active, count, firstPixel + 16, (uint)below0 >> 16);
        count = AppendSixteen(ref active, count, firstPixel + 32, (uint)below1 & 0xFFFF);
        count = AppendSixteen(ref active, count, firstPixel + 48, (uint)below1 >> 16);
        count = AppendSixteen(ref active, count, firstPixel + 64, (uint)below2 & 0xFFFF);
        count = AppendSixteen(ref active, count, firstPixel + 80, (uint)below2 >> 16);
        count = AppendSixteen(ref active, count, firstPixel + 96, (uint)below3 & 0xFFFF);
        return AppendSixteen(ref active, count, firstPixel + 112, (uint)below3 >> 16);
    }

    /// <summary>
    /// Appends the pixels of a 16-bit mask to the active list with one AVX-512 compress: the lanes whose bit is set keep
    /// their pixel index, packed to the front, and all sixteen are stored (the list has room), of which PopCount count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendSixteen(ref int active, int count, int firstPixel, uint mask)
    {
        var set = Vector512.Equals(Vector512.Create((int)mask) & LaneBits, LaneBits);
        Avx512F.Compress(Vector512<int>.Zero, set, LaneIndices + Vector512.Create(firstPixel)).StoreUnsafe(ref active, (nuint)count);
        return count + BitOperations.PopCount(mask);
    }

    /// <summary>Lane j holds 2^j: the bit of a 16-bit mask that lane j tests.</summary>
    private static readonly Vector512<int> LaneBits =
        Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);

    /// <summary>Lane j holds j.</summary>
    private static readonly Vector512<int> LaneIndices = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    /// <summary>The pixels of a 64-pixel mask appended to the active list (<see cref="AppendActive(ref int, int, int, uint)"/> twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendActive(ref int active, int count, int firstPixel, ulong mask) =>
        AppendActive(ref active, AppendActive(ref active, count, firstPixel, (uint)mask), firstPixel + 32, (uint)(mask >> 32));

    /// <summary>
    /// The 32-bit mask of pixels 32·w + 0 … 31 of a batch: bit j set when pixel j's uniform is below its threshold. The
    /// first eight blocks' word w holds the uniforms of pixels 0 … 15 (half h of block l is pixel 2l + h), the last eight
    /// blocks' those of pixels 16 … 31. The two compares are packed to bytes, which interleaves the sets' 128-bit halves;
    /// a qword permutation puts them back in pixel order for one movemask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BelowMask(ref short signedThresholds, Vector256<uint> firstWords, Vector256<uint> secondWords)
    {
        var signBit = Vector256.Create(unchecked((short)0x8000));
        var below0 = Avx2.CompareGreaterThan(Vector256.LoadUnsafe(ref signedThresholds), firstWords.AsInt16() ^ signBit);
        var below1 = Avx2.CompareGreaterThan(Vector256.LoadUnsafe(ref signedThresholds, 16), secondWords.AsInt16() ^ signBit);
        var bytes = Avx2.PackSignedSaturate(below0, below1);
        return (uint)Avx2.MoveMask(Avx2.Permute4x64(bytes.AsInt64(), 0b11_01_10_00).AsByte());
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

    /// <summary>
    /// The scalar fallback of <see cref="SampleVisibleEightLane"/>: the pixel blocks one at a time, their halves put in
    /// pixel order (<see cref="PreparedParameters.PixelOf"/>), then compared pixel by pixel.
    /// </summary>
    private int SampleVisibleScalar(PreparedParameters prepared, int z, ref CounterRandom stream, out uint zWord)
    {
        var uniforms = _uniforms;
        for (var block = 0; block < prepared.PixelBlocks; block++)
        {
            stream.NextBlock(out var word0, out var word1, out var word2, out var word3);
            var first = PreparedParameters.PixelOf(block, 0, 0);
            uniforms[first] = (ushort)word0;
            uniforms[first + 1] = (ushort)(word0 >> 16);
            uniforms[first + 32] = (ushort)word1;
            uniforms[first + 33] = (ushort)(word1 >> 16);
            uniforms[first + 64] = (ushort)word2;
            uniforms[first + 65] = (ushort)(word2 >> 16);
            uniforms[first + 96] = (ushort)word3;
            uniforms[first + 97] = (ushort)(word3 >> 16);
        }
        stream.NextBlock(out zWord, out _, out _, out _);
        var threshold = prepared.SampleThresholds.AsSpan(z * prepared.PaddedPixels, _n);
        var active = _active;
        var count = 0;
        for (var i = 0; i < threshold.Length; i++)
        {
            active[count] = i;
            count += uniforms[i] < threshold[i] ? 1 : 0;
        }
        return count;
    }

    /// <summary>
    /// p(·|x) = softmax(b + Σ_{i active} W[·, i]) into the probability buffer, the sums in registers and in pixel order
    /// like the scalar sum (<see cref="ShortVectors.SumSelectedRows"/>). The rows are padded to a multiple of four only,
    /// so K = 10 loads three vectors per active pixel, not four.
    /// </summary>
    private void EncoderProbabilities(PreparedParameters prepared, int activeCount)
    {
        ShortVectors.SumSelectedRows(prepared.PaddedEncoderRows, prepared.PaddedK, prepared.PaddedBias,
            _active.AsSpan(0, activeCount), _logits);
        Logistic.Softmax(_logits.AsSpan(0, _k), _probabilities);
    }

    /// <summary>
    /// Adds the step's terms to C, P and GP, and its Sx and G terms, or puts them among the steps waiting to go into
    /// z_t (<see cref="_grouped"/>). Layouts and fixed point in <see cref="ChainStatistics"/>.
    /// </summary>
    private void Accumulate(ChainStatistics statistics, int zPrev, int zNext, int activeCount)
    {
        var k = _k;
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
        if (!_grouped)
        {
            AddPixelTerms(statistics, zPrev, zNext, ref MemoryMarshal.GetArrayDataReference(_active), activeCount, ref p);
            return;
        }
        var waiting = _waitingCount[zNext];
        var used = waiting == 0 ? 0 : _waitingEnds[zNext * WaitingSteps + waiting - 1];
        if (used + activeCount > _waitingCapacity)
        {
            AddWaitingSteps(statistics, zNext);
            (waiting, used) = (0, 0);
        }
        _active.AsSpan(0, activeCount).CopyTo(_waitingPixels.AsSpan(zNext * _waitingCapacity + used));
        var slot = zNext * WaitingSteps + waiting;
        _waitingEnds[slot] = used + activeCount;
        _waitingPrevious[slot] = zPrev;
        _fixedProbabilities.AsSpan().CopyTo(_waitingProbabilities.AsSpan(slot * _paddedK, _paddedK));
        _waitingCount[zNext] = waiting + 1;
        if (waiting + 1 == WaitingSteps) AddWaitingSteps(statistics, zNext);
    }

    /// <summary>Adds the Sx and G terms of the steps waiting to go into state <paramref name="z"/>, in their order, and empties the list.</summary>
    private void AddWaitingSteps(ChainStatistics statistics, int z)
    {
        var waiting = _waitingCount[z];
        if (waiting == 0) return;
        _waitingCount[z] = 0;
        ref var pixels = ref _waitingPixels[z * _waitingCapacity];
        var start = 0;
        for (var step = 0; step < waiting; step++)
        {
            var slot = z * WaitingSteps + step;
            var end = _waitingEnds[slot];
            AddPixelTerms(statistics, _waitingPrevious[slot], z, ref Unsafe.Add(ref pixels, start), end - start,
                ref _waitingProbabilities[slot * _paddedK]);
            start = end;
        }
    }

    /// <summary>
    /// One step's per-pixel terms: Sx[z_{t-1}, z_t][i] += 1 and G[z_t][i, ·] += p for each of its active pixels i; rows of
    /// a K that is grouped fit the registers of <see cref="AddToRows(ref long, ref long, ref int, int, ref long, int)"/>.
    /// </summary>
    private void AddPixelTerms(ChainStatistics statistics, int zPrev, int zNext, ref int pixels, int count, ref long p)
    {
        int k = _k, n = _n;
        ref var sx = ref statistics.Sx[(zPrev * k + zNext) * n];
        ref var g = ref statistics.G[zNext * n * k];
        if (_grouped)
        {
            AddToRows(ref g, ref sx, ref pixels, count, ref p, k);
            return;
        }
        for (var a = 0; a < count; a++)
        {
            var i = Unsafe.Add(ref pixels, a);
            Unsafe.Add(ref sx, i) += 1;
            AddProbabilities(ref Unsafe.Add(ref g, i * k), ref p, k);
        }
    }

    /// <summary>
    /// For each of <paramref name="count"/> pixels i: sx[i] += 1 and G row i (k ≤ 15 longs) += p: a step's per-pixel
    /// terms, one p added to a hundred-odd rows. Each K has its own compiled loop
    /// (<see cref="AddToRows{TWidth}"/>), with p in registers and the row's shape known to the compiler: about 9 % more steps
    /// per second at K = 10 than one loop that tests the shape per row.
    /// </summary>
    private static void AddToRows(ref long g, ref long sx, ref int pixels, int count, ref long p, int k)
    {
        switch (k)
        {
            case 1: AddToRows<Width1>(ref g, ref sx, ref pixels, count, ref p); break;
            case 2: AddToRows<Width2>(ref g, ref sx, ref pixels, count, ref p); break;
            case 3: AddToRows<Width3>(ref g, ref sx, ref pixels, count, ref p); break;
            case 4: AddToRows<Width4>(ref g, ref sx, ref pixels, count, ref p); break;
            case 5: AddToRows<Width5>(ref g, ref sx, ref pixels, count, ref p); break;
            case 6: AddToRows<Width6>(ref g, ref sx, ref pixels, count, ref p); break;
            case 7: AddToRows<Width7>(ref g, ref sx, ref pixels, count, ref p); break;
            case 8: AddToRows<Width8>(ref g, ref sx, ref pixels, count, ref p); break;
            case 9: AddToRows<Width9>(ref g, ref sx, ref pixels, count, ref p); break;
            case 10: AddToRows<Width10>(ref g, ref sx, ref pixels, count, ref p); break;
            case 11: AddToRows<Width11>(ref g, ref sx, ref pixels, count, ref p); break;
            case 12: AddToRows<Width12>(ref g, ref sx, ref pixels, count, ref p); break;
            case 13: AddToRows<Width13>(ref g, ref sx, ref pixels, count, ref p); break;
            case 14: AddToRows<Width14>(ref g, ref sx, ref pixels, count, ref p); break;
            case 15: AddToRows<Width15>(ref g, ref sx, ref pixels, count, ref p); break;
            default: throw new ArgumentOutOfRangeException(nameof(k), k, "rows of 1 to 15 probabilities only");
        }
    }

    /// <summary><see cref="AddToRows(ref long, ref long, ref int, int, ref long, int)"/> for rows of TWidth.Width longs.</summary>
    private static void AddToRows<TWidth>(ref long g, ref long sx, ref int pixels, int count, ref long p) where TWidth : struct, IRowWidth
    {
        var k = TWidth.Width;
        var fours = k / 4;
        var hasTwo = (k & 2) != 0;
        var hasOne = (k & 1) != 0;
        var p0 = fours > 0 ? Vector256.LoadUnsafe(ref p) : default;
        var p1 = fours > 1 ? Vector256.LoadUnsafe(ref p, 4) : default;
        var p2 = fours > 2 ? Vector256.LoadUnsafe(ref p, 8) : default;
        var two = (nuint)(4 * fours);
        var pTwo = hasTwo ? Vector128.LoadUnsafe(ref p, two) : default;
        var one = two + (hasTwo ? 2u : 0u);
        var pOne = hasOne ? Unsafe.Add(ref p, one) : 0;
        for (var a = 0; a < count; a++)
        {
            var i = Unsafe.Add(ref pixels, a);
            Unsafe.Add(ref sx, i) += 1;
            ref var row = ref Unsafe.Add(ref g, i * k);
            if (fours > 0) (Vector256.LoadUnsafe(ref row) + p0).StoreUnsafe(ref row);
            if (fours > 1) (Vector256.LoadUnsafe(ref row, 4) + p1).StoreUnsafe(ref row, 4);
            if (fours > 2) (Vector256.LoadUnsafe(ref row, 8) + p2).StoreUnsafe(ref row, 8);
            if (hasTwo) (Vector128.LoadUnsafe(ref row, two) + pTwo).StoreUnsafe(ref row, two);
            if (hasOne) Unsafe.Add(ref row, one) += pOne;
        }
    }

    /// <summary>A row width known when the loop is compiled: each struct below gets its own copy of the generic loop.</summary>
    private interface IRowWidth
    {
        static abstract int Width { get; }
    }

    private struct Width1 : IRowWidth { public static int Width => 1; }
    private struct Width2 : IRowWidth { public static int Width => 2; }
    private struct Width3 : IRowWidth { public static int Width => 3; }
    private struct Width4 : IRowWidth { public static int Width => 4; }
    private struct Width5 : IRowWidth { public static int Width => 5; }
    private struct Width6 : IRowWidth { public static int Width => 6; }
    private struct Width7 : IRowWidth { public static int Width => 7; }
    private struct Width8 : IRowWidth { public static int Width => 8; }
    private struct Width9 : IRowWidth { public static int Width => 9; }
    private struct Width10 : IRowWidth { public static int Width => 10; }
    private struct Width11 : IRowWidth { public static int Width => 11; }
    private struct Width12 : IRowWidth { public static int Width => 12; }
    private struct Width13 : IRowWidth { public static int Width => 13; }
    private struct Width14 : IRowWidth { public static int Width => 14; }
    private struct Width15 : IRowWidth { public static int Width => 15; }

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
