using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace LatentCycles.Training.Serialization;

/// <summary>
/// Arrays of longs as their significant bytes: first a 4-bit length (0–8 bytes) for every value, two to a byte, then
/// each value's low bytes, little-endian, in order. Zero takes no data byte. Chain statistics are counts and fixed-point
/// sums, a quarter of them zero and most others 1, 4 or 5 bytes long, so a node's statistics take about a third of
/// their raw size (as LEB128 varints did) while every value is one unaligned 8-byte load or store and a mask, with no
/// per-byte loop (docs/CLUSTER.md, "What a round costs on the wire"). This is the data plane's hottest code after the
/// sweep, so it is written by hand over refs; the span-checked paths handle the last values and malformed input.
/// </summary>
internal static class PackedLongs
{
    private static readonly ulong[] LowBytes = [0, 0xFF, 0xFFFF, 0xFF_FFFF, 0xFFFF_FFFF, 0xFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF, 0xFF_FFFF_FFFF_FFFF, ulong.MaxValue];

    /// <summary>
    /// The room <see cref="Encode"/> needs for <paramref name="count"/> values: their lengths and 8 bytes each (every
    /// value is stored as a whole word, of which only the significant bytes count).
    /// </summary>
    public static int MaxEncodedLength(int count) => LengthsSize(count) + 8 * count;

    /// <summary>Writes <paramref name="values"/> into <paramref name="target"/> (at least <see cref="MaxEncodedLength"/> long); returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<long> values, Span<byte> target)
    {
        var count = values.Length;
        var lengthsSize = LengthsSize(count);
        if (target.Length < MaxEncodedLength(count)) throw new ArgumentException("target is shorter than MaxEncodedLength", nameof(target));
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var lengths = ref MemoryMarshal.GetReference(target);
        ref var data = ref Unsafe.Add(ref lengths, lengthsSize);
        var at = 0;
        for (var j = 0; j < count; j += 2)
        {
            var first = (ulong)Unsafe.Add(ref source, j);
            var firstLength = ByteLength(first);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref data, at), first);
            at += firstLength;
            var second = j + 1 < count ? (ulong)Unsafe.Add(ref source, j + 1) : 0;
            var secondLength = ByteLength(second);
            if (j + 1 < count) Unsafe.WriteUnaligned(ref Unsafe.Add(ref data, at), second);
            at += secondLength;
            Unsafe.Add(ref lengths, j >> 1) = (byte)(firstLength | secondLength << 4);
        }
        return lengthsSize + at;
    }

    /// <summary>Reads exactly <c>values.Length</c> longs from the start of <paramref name="source"/>; returns the bytes read.</summary>
    /// <exception cref="CheckpointFormatException">the bytes end early or a length is above 8.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<long> values)
    {
        var count = values.Length;
        var lengthsSize = LengthsSize(count);
        if (source.Length < lengthsSize) throw new CheckpointFormatException("packed values are truncated");
        var data = source[lengthsSize..];
        ref var lengths = ref MemoryMarshal.GetReference(source);
        ref var target = ref MemoryMarshal.GetReference(values);
        ref var dataStart = ref MemoryMarshal.GetReference(data);
        // Two values per length byte: the next pair's offset is one addition away, and the two loads do not wait on
        // each other. Whole words are loaded while 16 bytes remain; the span-checked path takes the last few values.
        var safeEnd = data.Length - 16;
        var at = 0;
        var j = 0;
        for (; j + 1 < count && at <= safeEnd; j += 2)
        {
            int pair = Unsafe.Add(ref lengths, j >> 1), first = pair & 0xF, second = pair >> 4;
            if (first > 8 || second > 8) throw new CheckpointFormatException($"packed value of {Math.Max(first, second)} bytes");
            Unsafe.Add(ref target, j) = (long)Low(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref dataStart, at)), first);
            Unsafe.Add(ref target, j + 1) = (long)Low(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref dataStart, at + first)), second);
            at += first + second;
        }
        Span<byte> word = stackalloc byte[8];
        for (; j < count; j++)
        {
            var length = (source[j >> 1] >> ((j & 1) << 2)) & 0xF;
            if (length > 8) throw new CheckpointFormatException($"packed value of {length} bytes");
            if (at + length > data.Length) throw new CheckpointFormatException("packed values are truncated");
            word.Clear();
            data.Slice(at, length).CopyTo(word);
            values[j] = (long)BinaryPrimitives.ReadUInt64LittleEndian(word);
            at += length;
        }
        return lengthsSize + at;
    }

    /// <summary>The low <paramref name="bytes"/> bytes of <paramref name="word"/> (0 to 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Low(ulong word, int bytes) =>
        Bmi2.X64.IsSupported ? Bmi2.X64.ZeroHighBits(word, (ulong)(8 * bytes)) : word & LowBytes[bytes];

    private static int LengthsSize(int count) => (count + 1) / 2;

    /// <summary>Bytes from the lowest to the highest non-zero one: 0 for 0, 8 for a negative value.</summary>
    private static int ByteLength(ulong value) => (71 - BitOperations.LeadingZeroCount(value)) >> 3;
}
