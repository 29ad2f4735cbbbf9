using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LatentCycles.Cli;

/// <summary>One array of an .npz: its name, NumPy dtype string, shape (empty for a scalar) and little-endian bytes.</summary>
public sealed record NpyArray(string Name, string Descr, int[] Shape, byte[] Data)
{
    public static NpyArray Float64(string name, int[] shape, ReadOnlySpan<double> values)
    {
        var data = new byte[values.Length * sizeof(double)];
        for (var j = 0; j < values.Length; j++) BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(j * sizeof(double)), values[j]);
        return Checked(new NpyArray(name, "<f8", shape, data), values.Length);
    }

    public static NpyArray Int64(string name, long value)
    {
        var data = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(data, value);
        return new NpyArray(name, "<i8", [], data);
    }

    public static NpyArray UInt8(string name, int[] shape, byte[] values) => Checked(new NpyArray(name, "|u1", shape, values), values.Length);

    /// <summary>A 0-d Unicode string (NumPy's fixed-width UTF-32 dtype <c>&lt;U<i>n</i></c>): <c>numpy.load</c> reads it without pickling.</summary>
    public static NpyArray Text(string name, string value)
    {
        var codePoints = value.EnumerateRunes().Select(r => r.Value).ToArray();
        var data = new byte[Math.Max(1, codePoints.Length) * sizeof(int)];
        for (var j = 0; j < codePoints.Length; j++) BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(j * sizeof(int)), codePoints[j]);
        return new NpyArray(name, $"<U{Math.Max(1, codePoints.Length)}", [], data);
    }

    private static NpyArray Checked(NpyArray array, int count)
    {
        if (array.Shape.Aggregate(1L, (a, b) => a * b) != count)
            throw new ArgumentException($"array {array.Name}: shape does not match {count} values");
        return array;
    }
}

/// <summary>
/// Writes NumPy's .npz format (a zip of .npy files, format version 1.0), so that <c>numpy.load</c> reads exported
/// models and samples without any LatentCycles code. The bytes depend on the arrays only.
/// </summary>
internal static class NpzWriter
{
    private static readonly DateTimeOffset ZipEpoch = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes the arrays as one .npz to <paramref name="stream"/> (left open).</summary>
    public static void Write(Stream stream, IEnumerable<NpyArray> arrays)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var array in arrays)
        {
            var entry = zip.CreateEntry(array.Name + ".npy", CompressionLevel.Optimal);
            // A fixed time stamp: the same model always gives the same bytes.
            entry.LastWriteTime = ZipEpoch;
            using var content = entry.Open();
            WriteNpy(content, array);
        }
    }

    private static void WriteNpy(Stream stream, NpyArray array)
    {
        var shape = array.Shape;
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var header = $"{{'descr': '{array.Descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // magic (6) + version (2) + header length (2) + header + newline, padded to a multiple of 64 bytes.
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var w = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
        w.Write((byte)0x93);
        w.Write(Encoding.ASCII.GetBytes("NUMPY"));
        w.Write((byte)1);
        w.Write((byte)0);
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
        w.Write(array.Data);
    }
}
