using System.IO.Compression;

namespace LatentCycles.Core.Data;

internal static class GzipContent
{
    /// <summary>The whole decompressed content of a gzip stream; corrupt data becomes a <see cref="DataFormatException"/> naming <paramref name="source"/>.</summary>
    public static byte[] Decompress(Stream compressed, string source)
    {
        try
        {
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
            using var buffer = new MemoryStream();
            gzip.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{source}: corrupt gzip data ({e.Message})", e);
        }
    }
}
