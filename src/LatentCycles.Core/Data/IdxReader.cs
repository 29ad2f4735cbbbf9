using System.Buffers.Binary;
using System.IO.Compression;

namespace LatentCycles.Core.Data;

/// <summary>
/// Reads the IDX files MNIST and its look-alikes ship in: a big-endian header (two zero bytes, the element type
/// 0x08 = unsigned byte, the number of dimensions, then one int32 per dimension) followed by the elements.
/// Images are 3-dimensional (count × rows × columns, magic 0x00000803), labels 1-dimensional (magic 0x00000801).
/// Files compressed with gzip (first bytes 1f 8b) are decompressed transparently. Grey levels are binarized as
/// pixel/255 &gt; 0.5, i.e. byte ≥ 128.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;
    private const byte UnsignedByteType = 0x08;

    /// <summary>
    /// The most data bytes one file may declare (1 GiB: 1.3 million 28×28 images), checked before anything is allocated,
    /// so a crafted header or a gzip bomb fails at once instead of filling the memory.
    /// </summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>How many bytes past the declared data are counted before the error says "more than".</summary>
    private const int TrailingBytesCounted = 1 << 20;

    /// <summary>
    /// The binarized images of <paramref name="imagesPath"/>, labelled from <paramref name="labelsPath"/> when it is given.
    /// </summary>
    public static BinaryImages Read(string imagesPath, string? labelsPath)
    {
        var (dims, body) = ReadFile(imagesPath, expectedDimensions: 3, "images");
        int count = dims[0], rows = dims[1], columns = dims[2];
        var labels = labelsPath is null ? null : ReadLabels(labelsPath);
        if (labels is not null && labels.Length != count)
            throw new DataFormatException($"{imagesPath} holds {count} images but {labelsPath} holds {labels.Length} labels");

        for (var i = 0; i < body.Length; i++) body[i] = body[i] >= 128 ? (byte)1 : (byte)0;
        return new BinaryImages(body, count, rows, columns, labels);
    }

    /// <summary>The labels of a 1-dimensional IDX file, one per image.</summary>
    public static int[] ReadLabels(string labelsPath)
    {
        var (_, body) = ReadFile(labelsPath, expectedDimensions: 1, "labels");
        var labels = new int[body.Length];
        for (var j = 0; j < body.Length; j++) labels[j] = body[j];
        return labels;
    }

    private static int HeaderLength(int dimensions) => 4 + 4 * dimensions;

    /// <summary>
    /// Reads the header, checks the magic number, the number of dimensions and the declared size, then reads exactly the
    /// declared data (decompressing gzip as it goes) and checks that nothing follows; returns the dimension sizes and the data.
    /// </summary>
    private static (int[] Dims, byte[] Body) ReadFile(string path, int expectedDimensions, string kind)
    {
        using var file = Open(path);
        var gzip = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var content = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        try
        {
            var dims = ReadHeader(content, path, expectedDimensions, kind, out var headerLength);
            Int128 elements = 1;
            foreach (var size in dims) elements *= size;
            if (elements > MaxDataBytes)
                throw new DataFormatException($"{path}: the header declares {string.Join('×', dims)} bytes of data, more than the {MaxDataBytes} a data set may have");
            var expected = headerLength + (long)elements;
            if (!gzip && file.Length != expected) throw SizeMismatch(path, dims, expected, file.Length);
            var body = new byte[(long)elements];
            var read = content.ReadAtLeast(body, body.Length, throwOnEndOfStream: false);
            if (read < body.Length) throw SizeMismatch(path, dims, expected, headerLength + read);
            var trailing = CountTrailing(content);
            if (trailing > 0) throw SizeMismatch(path, dims, expected, expected + trailing, trailing > TrailingBytesCounted);
            return (dims, body);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{path}: corrupt gzip data ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read ({e.Message})", e);
        }
    }

    private static FileStream Open(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException($"{path}: no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read ({e.Message})", e);
        }
    }

    /// <summary>Checks the magic number and the number of dimensions; returns the dimension sizes (each positive).</summary>
    private static int[] ReadHeader(Stream content, string path, int expectedDimensions, string kind, out int headerLength)
    {
        var start = new byte[4];
        var read = content.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        if (read < 4) throw new DataFormatException($"{path}: truncated: {read} bytes, too short for an IDX header");
        var magic = BinaryPrimitives.ReadInt32BigEndian(start);
        if (start[0] != 0 || start[1] != 0 || start[2] != UnsignedByteType)
            throw new DataFormatException(
                $"{path}: wrong magic number 0x{magic:X8}, expected 0x{(expectedDimensions == 3 ? ImagesMagic : LabelsMagic):X8} for an IDX {kind} file");
        int dimensions = start[3];
        if (dimensions != expectedDimensions)
            throw new DataFormatException($"{path}: {dimensions}-dimensional, an IDX {kind} file must be {expectedDimensions}-dimensional");
        headerLength = HeaderLength(dimensions);
        var sizes = new byte[4 * dimensions];
        read = content.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false);
        if (read < sizes.Length)
            throw new DataFormatException($"{path}: truncated: {4 + read} bytes, the header alone needs {headerLength}");

        var dims = new int[dimensions];
        for (var d = 0; d < dimensions; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(sizes.AsSpan(4 * d));
            if (dims[d] <= 0)
                throw new DataFormatException($"{path}: dimension {d} has size {dims[d]}, sizes must be positive");
        }
        return dims;
    }

    /// <summary>The bytes left in <paramref name="content"/>, counted up to just past <see cref="TrailingBytesCounted"/>.</summary>
    private static long CountTrailing(Stream content)
    {
        var buffer = new byte[64 * 1024];
        long trailing = 0;
        int read;
        while (trailing <= TrailingBytesCounted && (read = content.Read(buffer)) > 0) trailing += read;
        return trailing;
    }

    private static DataFormatException SizeMismatch(string path, int[] dims, long expected, long actual, bool atLeast = false) =>
        actual < expected
            ? new DataFormatException(
                $"{path}: truncated: the header declares {string.Join('×', dims)} bytes of data ({expected} in all) but there are {actual}")
            : new DataFormatException(
                $"{path}: {(atLeast ? "more than " : "")}{actual - expected} bytes beyond the {string.Join('×', dims)} the header declares");
}
