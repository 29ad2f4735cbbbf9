using System.Buffers.Binary;

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
    /// The binarized images of <paramref name="imagesPath"/>, labelled from <paramref name="labelsPath"/> when it is given.
    /// </summary>
    public static BinaryImages Read(string imagesPath, string? labelsPath)
    {
        var content = ReadContent(imagesPath);
        var dims = ReadHeader(content, imagesPath, expectedDimensions: 3, "images");
        int count = dims[0], rows = dims[1], columns = dims[2];
        var labels = labelsPath is null ? null : ReadLabels(labelsPath);
        if (labels is not null && labels.Length != count)
            throw new DataFormatException($"{imagesPath} holds {count} images but {labelsPath} holds {labels.Length} labels");

        var body = content.AsSpan(HeaderLength(3));
        var pixels = new byte[body.Length];
        for (var i = 0; i < body.Length; i++) pixels[i] = body[i] >= 128 ? (byte)1 : (byte)0;
        return new BinaryImages(pixels, count, rows, columns, labels);
    }

    /// <summary>The labels of a 1-dimensional IDX file, one per image.</summary>
    public static int[] ReadLabels(string labelsPath)
    {
        var content = ReadContent(labelsPath);
        var count = ReadHeader(content, labelsPath, expectedDimensions: 1, "labels")[0];
        var labels = new int[count];
        var body = content.AsSpan(HeaderLength(1));
        for (var j = 0; j < count; j++) labels[j] = body[j];
        return labels;
    }

    private static int HeaderLength(int dimensions) => 4 + 4 * dimensions;

    /// <summary>The file's bytes, decompressed when it is gzip.</summary>
    private static byte[] ReadContent(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException($"{path}: no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read ({e.Message})", e);
        }
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        return GzipContent.Decompress(new MemoryStream(bytes), path);
    }

    /// <summary>
    /// Checks the magic number, the number of dimensions and that the content holds exactly the elements the
    /// header declares; returns the dimension sizes.
    /// </summary>
    private static int[] ReadHeader(byte[] content, string path, int expectedDimensions, string kind)
    {
        if (content.Length < 4)
            throw new DataFormatException($"{path}: truncated: {content.Length} bytes, too short for an IDX header");
        var magic = BinaryPrimitives.ReadInt32BigEndian(content);
        if (content[0] != 0 || content[1] != 0 || content[2] != UnsignedByteType)
            throw new DataFormatException(
                $"{path}: wrong magic number 0x{magic:X8}, expected 0x{(expectedDimensions == 3 ? ImagesMagic : LabelsMagic):X8} for an IDX {kind} file");
        int dimensions = content[3];
        if (dimensions != expectedDimensions)
            throw new DataFormatException($"{path}: {dimensions}-dimensional, an IDX {kind} file must be {expectedDimensions}-dimensional");
        var headerLength = HeaderLength(dimensions);
        if (content.Length < headerLength)
            throw new DataFormatException($"{path}: truncated: {content.Length} bytes, the header alone needs {headerLength}");

        var dims = new int[dimensions];
        Int128 elements = 1;
        for (var d = 0; d < dimensions; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4 + 4 * d));
            if (dims[d] <= 0)
                throw new DataFormatException($"{path}: dimension {d} has size {dims[d]}, sizes must be positive");
            elements *= dims[d];
        }
        var expected = headerLength + elements;
        if (content.Length < expected)
            throw new DataFormatException(
                $"{path}: truncated: the header declares {string.Join('×', dims)} bytes of data ({expected} in all) but there are {content.Length}");
        if (content.Length > expected)
            throw new DataFormatException(
                $"{path}: {content.Length - expected} bytes beyond the {string.Join('×', dims)} the header declares");
        return dims;
    }
}
