
namespace LatentCycles.Training.Serialization;

/// <summary>
/// LEB128 variable-length integers (7 bits per byte, low groups first, high bit = more follows) for arrays of longs,
/// read as unsigned so every long round-trips. Chain statistics are non-negative counts and fixed-point sums, most of
/// them zero or small: for K = 10, N = 784 a node's statistics shrink from 1.26 MB of raw longs to about 0.33 MB.
/// </summary>
internal static class Varint
{
    /// <summary>The most bytes one long can take.</summary>
    public const int MaxBytesPerValue = 10;

    /// <summary>Writes <paramref name="values"/> into <paramref name="target"/> (at least MaxBytesPerValue·length long); returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<long> values, Span<byte> target)
    {
        var at = 0;
        foreach (var value in values)
        {
            var u = (ulong)value;
            while (u >= 0x80)
            {
                target[at++] = (byte)(u | 0x80);
                u >>= 7;
            }
            target[at++] = (byte)u;
        }
        return at;
    }

    /// <summary>Reads exactly <c>values.Length</c> longs from <paramref name="source"/>; returns the bytes read.</summary>
    /// <exception cref="CheckpointFormatException">the bytes end early or a value is longer than 64 bits.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<long> values)
    {
        var at = 0;
        for (var j = 0; j < values.Length; j++)
        {
            ulong u = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (at >= source.Length) throw new CheckpointFormatException("varint data is truncated");
                if (shift > 63) throw new CheckpointFormatException("varint longer than 64 bits");
                var b = source[at++];
                u |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            values[j] = (long)u;
        }
        return at;
    }
}
