using System.Runtime.CompilerServices;

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
