using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.Intrinsics.X86;

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
        var j = 0;
        while (j < values.Length)
        {
            // Most statistics are zero or small: eight one-byte values at once is most of a round's encoding.
            if (j + 8 <= values.Length)
            {
                var group = values.Slice(j, 8);
                if (((ulong)(group[0] | group[1] | group[2] | group[3] | group[4] | group[5] | group[6] | group[7])) < 0x80)
                {
                    for (var m = 0; m < 8; m++) target[at + m] = (byte)group[m];
                    at += 8;
                    j += 8;
                    continue;
                }
            }
            var u = (ulong)values[j++];
            if (Bmi2.X64.IsSupported && u < 1UL << 56 && at + 8 <= target.Length)
            {
                // One value of up to eight bytes at once: its 7-bit groups spread over the bytes, high bits on all but the last.
                var length = Math.Max(1, (64 - BitOperations.LeadingZeroCount(u) + 6) / 7);
                var continuation = 0x8080808080808080UL & ((1UL << (8 * (length - 1))) - 1);
                BinaryPrimitives.WriteUInt64LittleEndian(target[at..], Bmi2.X64.ParallelBitDeposit(u, 0x7F7F7F7F7F7F7F7FUL) | continuation);
                at += length;
                continue;
            }
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
            if (j + 8 <= values.Length && at + 8 <= source.Length)
            {
                var word = BinaryPrimitives.ReadUInt64LittleEndian(source[at..]);
                if ((word & 0x8080808080808080UL) == 0)
                {
                    for (var m = 0; m < 8; m++) values[j + m] = (long)((word >> (8 * m)) & 0xFF);
                    at += 8;
                    j += 7;
                    continue;
                }
                var ends = ~word & 0x8080808080808080UL;
                if (Bmi2.X64.IsSupported && ends != 0)
                {
                    var length = BitOperations.TrailingZeroCount(ends) / 8 + 1;
                    var mask = length == 8 ? 0x7F7F7F7F7F7F7F7FUL : 0x7F7F7F7F7F7F7F7FUL & ((1UL << (8 * length)) - 1);
                    values[j] = (long)Bmi2.X64.ParallelBitExtract(word, mask);
                    at += length;
                    continue;
                }
            }
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
