using System.IO.Compression;
using System.Text;

namespace LatentCycles.Cli;

/// <summary>
/// Writes NumPy's .npz format (a zip of .npy files, format version 1.0) with float64 arrays, so that
/// <c>numpy.load</c> reads exported models without any LatentCycles code.
/// </summary>
internal static class NpzWriter
{
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, double[] Values)> arrays)
    {
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            foreach (var (name, shape, values) in arrays)
            {
                if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
                    throw new ArgumentException($"array {name}: shape does not match {values.Length} values");
                using var entry = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
                WriteNpy(entry, shape, values);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteNpy(Stream stream, int[] shape, double[] values)
    {
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var header = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shapeText}, }}";
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
        foreach (var v in values) w.Write(v);
    }
}
