using System.Buffers.Binary;
using LatentCycles.Core.Data;
using LatentCycles.Core.Random;

namespace LatentCycles.TestUtilities;

/// <summary>The tests' synthetic images, and IDX files of them, from the counter-based streams so every run draws the same.</summary>
public static class TestImages
{
    /// <summary>
    /// <paramref name="count"/> images of rows×columns; pixel i of image j is on with probability
    /// <paramref name="onProbability"/>(j, i), one draw per pixel in image-major order from the stream of <paramref name="seed"/>.
    /// </summary>
    public static BinaryImages Draw(int count, int rows, int columns, ulong seed, Func<int, int, double> onProbability, int[]? labels = null)
    {
        var n = rows * columns;
        var rng = new CounterRandom(seed, StreamPurpose.Baseline, 7, 0, 0);
        var pixels = new byte[count * n];
        for (var j = 0; j < count; j++)
            for (var i = 0; i < n; i++)
                pixels[j * n + i] = rng.NextDouble() < onProbability(j, i) ? (byte)1 : (byte)0;
        return new BinaryImages(pixels, count, rows, columns, labels);
    }

    /// <summary>
    /// <paramref name="count"/> binary vectors of <paramref name="n"/> pixels (one row each), pixel i on with probability
    /// <paramref name="onProbability"/>(i).
    /// </summary>
    public static BinaryImages Vectors(int count, int n, ulong seed, Func<int, double> onProbability) =>
        Draw(count, 1, n, seed, (_, i) => onProbability(i));

    /// <summary>An IDX file's bytes: magic 0x0000 08 dims, big-endian sizes, then the bytes as given.</summary>
    public static byte[] Idx(int[] sizes, byte[] body, byte dimensionsOverride = 0)
    {
        var header = new byte[4 + 4 * sizes.Length];
        header[2] = 0x08;
        header[3] = dimensionsOverride != 0 ? dimensionsOverride : (byte)sizes.Length;
        for (var d = 0; d < sizes.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), sizes[d]);
        return [.. header, .. body];
    }

    /// <summary>
    /// Writes <paramref name="images"/> as an IDX images file (pixels 0 or 255) and, when they have labels, a labels
    /// file beside it, named as MNIST names them; returns the images file's path.
    /// </summary>
    public static string WriteIdx(BinaryImages images, string directory, string name)
    {
        var body = new byte[images.Count * images.PixelCount];
        for (var j = 0; j < images.Count; j++)
        {
            var image = images.Image(j);
            for (var i = 0; i < images.PixelCount; i++) body[j * images.PixelCount + i] = image[i] == 1 ? (byte)255 : (byte)0;
        }
        var path = Path.Combine(directory, $"{name}-images-idx3-ubyte");
        File.WriteAllBytes(path, Idx([images.Count, images.Rows, images.Columns], body));
        if (images.HasLabels)
            File.WriteAllBytes(Path.Combine(directory, $"{name}-labels-idx1-ubyte"),
                Idx([images.Count], Enumerable.Range(0, images.Count).Select(j => (byte)images.Label(j)).ToArray()));
        return path;
    }
}
