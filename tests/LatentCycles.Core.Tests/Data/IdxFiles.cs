using System.IO.Compression;

namespace LatentCycles.Core.Tests.Data;

/// <summary>A temporary directory in which tests write tiny IDX files; deleted on dispose.</summary>
internal sealed class IdxFiles : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public string Directory => _directory.Path;

    public string PathOf(string name) => _directory.Combine(name);

    /// <summary><paramref name="count"/> images of rows×columns, image j's pixel i has grey level (j·7 + i·37) mod 256.</summary>
    public static byte[] Images(int count, int rows, int columns)
    {
        var body = new byte[count * rows * columns];
        for (var j = 0; j < count; j++)
            for (var i = 0; i < rows * columns; i++)
                body[j * rows * columns + i] = (byte)((j * 7 + i * 37) % 256);
        return TestImages.Idx([count, rows, columns], body);
    }

    public static byte[] Labels(int count) => TestImages.Idx([count], Enumerable.Range(0, count).Select(j => (byte)(j % 10)).ToArray());

    public string Write(string name, byte[] content, bool gzip = false)
    {
        var path = PathOf(name);
        if (!gzip)
        {
            File.WriteAllBytes(path, content);
            return path;
        }
        using var file = File.Create(path);
        using var compressor = new GZipStream(file, CompressionLevel.Optimal);
        compressor.Write(content);
        return path;
    }

    /// <summary>The four MNIST-named files of a directory set: <paramref name="train"/> and <paramref name="test"/> images of 3×2.</summary>
    public void WriteMnistLayout(int train, int test, bool gzip)
    {
        var suffix = gzip ? ".gz" : "";
        Write("train-images-idx3-ubyte" + suffix, Images(train, 3, 2), gzip);
        Write("train-labels-idx1-ubyte" + suffix, Labels(train), gzip);
        Write("t10k-images-idx3-ubyte" + suffix, Images(test, 3, 2), gzip);
        Write("t10k-labels-idx1-ubyte" + suffix, Labels(test), gzip);
    }

    public void Dispose() => _directory.Dispose();
}
