using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using LatentCycles.Training;
using SkiaSharp;

namespace LatentCycles.Cli.Tests;

[Collection(FinishedRunCollection.Name)]
public sealed class ExportAndSampleTests(FinishedRunFixture run) : IDisposable
{
    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Export_writes_numpy_float64_arrays_of_the_checkpoint()
    {
        var directory = run.CopyTo(_temporary, "export");
        var result = CliRunner.InProcess("export", directory, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var path = JsonDocument.Parse(result.LastLine).RootElement.GetProperty("npz_path").GetString()!;
        var arrays = ReadNpz(path);
        var p = CheckpointStore.LoadLatest(directory).Parameters;

        Assert.Equal(["L", "M", "W", "b", "pi"], arrays.Keys.Order(StringComparer.Ordinal));
        AssertArray([p.K, p.N], p.W, arrays["W"]);
        AssertArray([p.K], p.B, arrays["b"]);
        AssertArray([p.N, p.K], p.L, arrays["L"]);
        var (piShape, pi) = arrays["pi"];
        var (kernelShape, kernel) = arrays["M"];
        Assert.Equal([p.K], piShape);
        Assert.Equal([p.K, p.K], kernelShape);
        Assert.Equal(1.0, pi.Sum(), 12);
        // π is the left eigenvector of M for eigenvalue 1.
        for (var z = 0; z < p.K; z++)
            Assert.Equal(pi[z], Enumerable.Range(0, p.K).Sum(y => pi[y] * kernel[y * p.K + z]), 10);
    }

    [Fact]
    public void Sample_writes_a_grid_of_ten_columns_of_doubled_images()
    {
        var directory = run.CopyTo(_temporary, "sample");
        var file = _temporary.Combine("grid.png");
        var result = CliRunner.InProcess("sample", directory, "--count", "23", "--out", file, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(file, JsonDocument.Parse(result.LastLine).RootElement.GetProperty("png_path").GetString());

        using var bitmap = SKBitmap.Decode(file);
        Assert.Equal(ImageGrid.Gap + 10 * (28 * ImageGrid.Scale + ImageGrid.Gap), bitmap.Width);
        Assert.Equal(ImageGrid.Gap + 3 * (28 * ImageGrid.Scale + ImageGrid.Gap), bitmap.Height);
    }

    private static void AssertArray(int[] shape, double[] values, (int[] Shape, double[] Values) actual)
    {
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(values, actual.Values);
    }

    /// <summary>Parses every .npy entry of an .npz (format 1.0, little-endian float64, C order) into shape and values.</summary>
    private static Dictionary<string, (int[] Shape, double[] Values)> ReadNpz(string path)
    {
        var arrays = new Dictionary<string, (int[], double[])>();
        using var zip = ZipFile.OpenRead(path);
        foreach (var entry in zip.Entries)
        {
            using var stream = new MemoryStream();
            using (var entryStream = entry.Open()) entryStream.CopyTo(stream);
            var bytes = stream.ToArray();
            byte[] magic = [0x93, .. "NUMPY"u8.ToArray()];
            Assert.Equal(magic, bytes[..6]);
            Assert.Equal([1, 0], bytes[6..8]);
            var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            Assert.Equal(0, (10 + headerLength) % 64);
            var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
            Assert.Contains("'descr': '<f8'", header);
            Assert.Contains("'fortran_order': False", header);
            var shapeText = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
            var shape = shapeText[..shapeText.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(int.Parse).ToArray();
            var body = bytes.AsSpan(10 + headerLength);
            Assert.Equal(shape.Aggregate(1, (a, b) => a * b) * sizeof(double), body.Length);
            var values = new double[body.Length / sizeof(double)];
            for (var j = 0; j < values.Length; j++) values[j] = BinaryPrimitives.ReadDoubleLittleEndian(body[(j * 8)..]);
            arrays[Path.GetFileNameWithoutExtension(entry.Name)] = (shape, values);
        }
        return arrays;
    }
}
