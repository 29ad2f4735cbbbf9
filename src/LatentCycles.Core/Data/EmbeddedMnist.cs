using System.Buffers.Binary;
using System.Text;

namespace LatentCycles.Core.Data;

/// <summary>
/// The 10,000 binarized MNIST digits embedded in this assembly (resource <c>LatentCycles.Core.Data.mnist10k.bin.gz</c>,
/// written by <c>tools/convert_mnist.py</c>): 28×28 images with labels, ordered by digit (1,001 zeros first, then the ones, …).
/// Decoded once per process and shared; <see cref="BinaryImages"/> is immutable, so sharing is safe.
/// </summary>
public static class EmbeddedMnist
{
    public const string Name = "mnist10k";
    private const string ResourceName = "LatentCycles.Core.Data.mnist10k.bin.gz";
    private static readonly byte[] Magic = "LCMNIST1"u8.ToArray();

    private static readonly Lazy<BinaryImages> All = new(DecodeResource, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<DataSplit> Split =
        new(() => DataSetLoader.StandardSplit(All.Value, Name, Name), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>All 10,000 images with their labels, in stored order.</summary>
    public static BinaryImages LoadAll() => All.Value;

    /// <summary>The standard split: 8,000 training and 2,000 test images (see <see cref="DataSetLoader.StandardSplit"/>).</summary>
    public static DataSplit LoadStandardSplit() => Split.Value;

    private static BinaryImages DecodeResource()
    {
        using var stream = typeof(EmbeddedMnist).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DataFormatException($"embedded resource {ResourceName} is missing from the assembly");
        return Decode(stream);
    }

    /// <summary>
    /// Decodes the gzip-compressed layout (little-endian): magic "LCMNIST1", int32 count, rows, columns,
    /// then count label bytes, then per image ⌈rows·columns/8⌉ bytes of pixels packed LSB-first.
    /// </summary>
    internal static BinaryImages Decode(Stream compressed)
    {
        var raw = GzipContent.Decompress(compressed, Name);

        const int headerLength = 20;
        if (raw.Length < headerLength || !raw.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new DataFormatException($"{Name}: not an {Encoding.ASCII.GetString(Magic)} file");
        var count = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8));
        var rows = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(12));
        var columns = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(16));
        if (count <= 0 || rows <= 0 || columns <= 0)
            throw new DataFormatException($"{Name}: header declares {count}×{rows}×{columns} images");
        var pixelCount = rows * columns;
        var packedLength = (pixelCount + 7) / 8;
        var expected = headerLength + count + (long)count * packedLength;
        if (raw.Length != expected)
            throw new DataFormatException($"{Name}: {raw.Length} bytes, header implies {expected}");

        var labels = new int[count];
        for (var j = 0; j < count; j++) labels[j] = raw[headerLength + j];
        var pixels = new byte[count * pixelCount];
        var packedStart = headerLength + count;
        for (var j = 0; j < count; j++)
        {
            var packed = raw.AsSpan(packedStart + j * packedLength, packedLength);
            var image = pixels.AsSpan(j * pixelCount, pixelCount);
            for (var i = 0; i < pixelCount; i++) image[i] = (byte)((packed[i >> 3] >> (i & 7)) & 1);
        }
        return new BinaryImages(pixels, count, rows, columns, labels);
    }
}
