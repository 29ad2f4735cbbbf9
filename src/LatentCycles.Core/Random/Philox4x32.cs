using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LatentCycles.Core.Random;

/// <summary>
/// The Philox-4x32-10 counter-based generator (Salmon et al., SC'11): a keyed bijection of a 128-bit
/// counter, so any draw of any stream can be computed directly without stored state (MODEL.md §8).
/// Written by hand because it sits in the chain sweep's inner loop.
/// </summary>
public static class Philox4x32
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(uint key0, uint key1, ref uint c0, ref uint c1, ref uint c2, ref uint c3)
    {
        for (var r = 0; r < 10; r++)
        {
            var p0 = (ulong)M0 * c0;
            var p1 = (ulong)M1 * c2;
            var n0 = (uint)(p1 >> 32) ^ c1 ^ key0;
            var n2 = (uint)(p0 >> 32) ^ c3 ^ key1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
            key0 += W0;
            key1 += W1;
        }
    }

    /// <summary>True when <see cref="Block8Twice"/> runs on this processor (it needs AVX2).</summary>
    public static bool IsEightLaneSupported => Avx2.IsSupported;

    /// <summary>
    /// Two sets of eight Philox blocks under one key, structure-of-arrays: lane j of a0…a3 (b0…b3) is a block's counter
    /// on entry and its output on return, exactly as <see cref="Block"/> would give. The sets are interleaved round by
    /// round, so that the processor overlaps their multiply latencies. Needs <see cref="IsEightLaneSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block8Twice(uint key0, uint key1,
        ref Vector256<uint> a0, ref Vector256<uint> a1, ref Vector256<uint> a2, ref Vector256<uint> a3,
        ref Vector256<uint> b0, ref Vector256<uint> b1, ref Vector256<uint> b2, ref Vector256<uint> b3)
    {
        var k0 = Vector256.Create(key0);
        var k1 = Vector256.Create(key1);
        var m0 = Vector256.Create(M0);
        var m1 = Vector256.Create(M1);
        var w0 = Vector256.Create(W0);
        var w1 = Vector256.Create(W1);
        for (var r = 0; r < 10; r++)
        {
            MultiplyWide(a0, m0, out var aHi0, out var aLo0);
            MultiplyWide(b0, m0, out var bHi0, out var bLo0);
            MultiplyWide(a2, m1, out var aHi1, out var aLo1);
            MultiplyWide(b2, m1, out var bHi1, out var bLo1);
            var aN0 = aHi1 ^ a1 ^ k0;
            var bN0 = bHi1 ^ b1 ^ k0;
            var aN2 = aHi0 ^ a3 ^ k1;
            var bN2 = bHi0 ^ b3 ^ k1;
            a1 = aLo1; b1 = bLo1;
            a3 = aLo0; b3 = bLo0;
            a0 = aN0; b0 = bN0;
            a2 = aN2; b2 = bN2;
            k0 += w0;
            k1 += w1;
        }
    }

    /// <summary>True when <see cref="Block16Twice"/> runs on this processor (it needs AVX-512 F).</summary>
    public static bool IsSixteenLaneSupported => Avx512F.IsSupported;

    /// <summary>
    /// Two sets of sixteen Philox blocks under one key, structure-of-arrays and interleaved round by round as in
    /// <see cref="Block8Twice"/>: lane j of a0…a3 (b0…b3) is a block's counter on entry and its output on return.
    /// Needs <see cref="IsSixteenLaneSupported"/>. The three-way XORs are one ternary-logic instruction each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block16Twice(uint key0, uint key1,
        ref Vector512<uint> a0, ref Vector512<uint> a1, ref Vector512<uint> a2, ref Vector512<uint> a3,
        ref Vector512<uint> b0, ref Vector512<uint> b1, ref Vector512<uint> b2, ref Vector512<uint> b3)
    {
        const byte xor3 = 0x96;
        var k0 = Vector512.Create(key0);
        var k1 = Vector512.Create(key1);
        var m0 = Vector512.Create(M0);
        var m1 = Vector512.Create(M1);
        var w0 = Vector512.Create(W0);
        var w1 = Vector512.Create(W1);
        var oddLanes = OddLanes;
        for (var r = 0; r < 10; r++)
        {
            MultiplyWide(a0, m0, oddLanes, out var aHi0, out var aLo0);
            MultiplyWide(b0, m0, oddLanes, out var bHi0, out var bLo0);
            MultiplyWide(a2, m1, oddLanes, out var aHi1, out var aLo1);
            MultiplyWide(b2, m1, oddLanes, out var bHi1, out var bLo1);
            var aN0 = Avx512F.TernaryLogic(aHi1, a1, k0, xor3);
            var bN0 = Avx512F.TernaryLogic(bHi1, b1, k0, xor3);
            var aN2 = Avx512F.TernaryLogic(aHi0, a3, k1, xor3);
            var bN2 = Avx512F.TernaryLogic(bHi0, b3, k1, xor3);
            a1 = aLo1; b1 = bLo1;
            a3 = aLo0; b3 = bLo0;
            a0 = aN0; b0 = bN0;
            a2 = aN2; b2 = bN2;
            k0 += w0;
            k1 += w1;
        }
    }

    /// <summary>One set of sixteen blocks, as <see cref="Block16Twice"/> does two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block16(uint key0, uint key1,
        ref Vector512<uint> c0, ref Vector512<uint> c1, ref Vector512<uint> c2, ref Vector512<uint> c3)
    {
        const byte xor3 = 0x96;
        var k0 = Vector512.Create(key0);
        var k1 = Vector512.Create(key1);
        var m0 = Vector512.Create(M0);
        var m1 = Vector512.Create(M1);
        var w0 = Vector512.Create(W0);
        var w1 = Vector512.Create(W1);
        var oddLanes = OddLanes;
        for (var r = 0; r < 10; r++)
        {
            MultiplyWide(c0, m0, oddLanes, out var hi0, out var lo0);
            MultiplyWide(c2, m1, oddLanes, out var hi1, out var lo1);
            var n0 = Avx512F.TernaryLogic(hi1, c1, k0, xor3);
            var n2 = Avx512F.TernaryLogic(hi0, c3, k1, xor3);
            c1 = lo1;
            c3 = lo0;
            c0 = n0;
            c2 = n2;
            k0 += w0;
            k1 += w1;
        }
    }

    /// <summary>
    /// The 16-lane <see cref="MultiplyWide(Vector256{uint}, Vector256{uint}, out Vector256{uint}, out Vector256{uint})"/>:
    /// vpmuludq forms the even lanes' and (after a shift) the odd lanes' 64-bit products; the even products' high words are
    /// shifted down into their lanes and blended with the odd products, whose high words are in place, and the low words
    /// come from one low multiply (vpmulld). Gathering both from the products with two-source permutations was 2–5 % slower
    /// per chain step (docs/PERFORMANCE.md, "Philox's products"). <paramref name="oddLanes"/> is <see cref="OddLanes"/>,
    /// passed in so that the caller creates it once: a caller that has used up the JIT's inlining budget would otherwise
    /// read the field every time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyWide(Vector512<uint> a, Vector512<uint> m, Vector512<uint> oddLanes,
        out Vector512<uint> hi, out Vector512<uint> lo)
    {
        var even = Avx512F.Multiply(a, m).AsUInt32();
        var odd = Avx512F.Multiply(Avx512F.ShiftRightLogical(a.AsUInt64(), 32).AsUInt32(), m).AsUInt32();
        hi = Avx512F.BlendVariable(Avx512F.ShiftRightLogical(even.AsUInt64(), 32).AsUInt32(), odd, oddLanes);
        lo = Avx512F.MultiplyLow(a, m);
    }

    /// <summary>All ones in the odd lanes: the lanes a blend takes from its second source.</summary>
    private static readonly Vector512<uint> OddLanes = Vector512.Create(0u, ~0u, 0, ~0u, 0, ~0u, 0, ~0u, 0, ~0u, 0, ~0u, 0, ~0u, 0, ~0u);

    /// <summary>
    /// Lane-wise 32×32→64-bit products split into high and low words. AVX2 forms full products only of the even
    /// lanes (vpmuludq), so the odd lanes are shifted down, multiplied separately and their high words blended
    /// back; the low words come from one low multiply (vpmulld), cheaper than shifting and blending them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyWide(Vector256<uint> a, Vector256<uint> m, out Vector256<uint> hi, out Vector256<uint> lo)
    {
        const byte oddLanes = 0b1010_1010;
        var even = Avx2.Multiply(a, m);
        var odd = Avx2.Multiply(Avx2.ShiftRightLogical(a.AsUInt64(), 32).AsUInt32(), m);
        hi = Avx2.Blend(Avx2.ShiftRightLogical(even, 32).AsUInt32(), odd.AsUInt32(), oddLanes);
        lo = Avx2.MultiplyLow(a, m);
    }
}

/// <summary>What a random stream is used for; keeps the streams of different purposes disjoint.</summary>
public enum StreamPurpose : uint
{
    Chain = 0,
    Minibatch = 1,
    Evaluation = 2,
    Initialization = 3,
    Baseline = 4,
    Sampling = 5,
}

/// <summary>
/// One random stream keyed by (seed, purpose, stream id, round, sweep). Its draws are Philox blocks
/// at counters (index, sweep|purpose, round, stream id) for index = 0, 1, 2, …; the stream holds only
/// its position, so it is cheap to create anywhere and identical wherever it is created.
/// </summary>
public struct CounterRandom
{
    private readonly uint _key0, _key1, _c1, _c2, _c3;
    private uint _index;
    private uint _r0, _r1, _r2, _r3;
    private int _available;

    public CounterRandom(ulong seed, StreamPurpose purpose, uint streamId, uint round, uint sweep)
    {
        if (sweep >= 1u << 24) throw new ArgumentOutOfRangeException(nameof(sweep));
        _key0 = (uint)seed;
        _key1 = (uint)(seed >> 32);
        _c1 = sweep | ((uint)purpose << 24);
        _c2 = round;
        _c3 = streamId;
        _index = 0;
        _r0 = _r1 = _r2 = _r3 = 0;
        _available = 0;
    }

    /// <summary>The same stream positioned at block <paramref name="index"/>.</summary>
    internal CounterRandom At(uint index)
    {
        var copy = this;
        copy._index = index;
        copy._available = 0;
        return copy;
    }

    /// <summary>The index of the next block <see cref="NextBlock"/> returns.</summary>
    internal uint Index => _index;

    /// <summary>The key words and the fixed counter words 1…3 of this stream; block index b is counter word 0.</summary>
    internal uint Key0 => _key0;
    internal uint Key1 => _key1;
    internal uint Counter1 => _c1;
    internal uint Counter2 => _c2;
    internal uint Counter3 => _c3;

    /// <summary>The next four 32-bit words at once (refills a fresh block; discards any buffered words).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void NextBlock(out uint a, out uint b, out uint c, out uint d)
    {
        a = _index++; b = _c1; c = _c2; d = _c3;
        Philox4x32.Block(_key0, _key1, ref a, ref b, ref c, ref d);
        _available = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt()
    {
        if (_available == 0)
        {
            NextBlock(out _r0, out _r1, out _r2, out _r3);
            _available = 4;
        }
        _available--;
        return _available switch { 3 => _r0, 2 => _r1, 1 => _r2, _ => _r3 };
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        ulong hi = NextUInt() >> 5, lo = NextUInt() >> 6;
        return (hi * 67108864.0 + lo) * (1.0 / 9007199254740992.0);
    }

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        var threshold = (uint)(-n) % (uint)n;
        while (true)
        {
            var m = (ulong)NextUInt() * (uint)n;
            if ((uint)m >= threshold) return (int)(m >> 32);
        }
    }

    /// <summary>Standard normal draw (Box–Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
