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
        var json = JsonDocument.Parse(result.LastLine).RootElement;
        var path = json.GetProperty("npz_path").GetString()!;
        var (arrays, texts, integers) = ReadNpz(path);
        var state = CheckpointStore.LoadLatest(directory);
        var p = state.Parameters;

        Assert.Equal(["L", "M", "W", "b", "pi"], arrays.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(state.Round, integers["round"]);
        Assert.Equal(json.GetProperty("parameters_sha256").GetString(), texts["parameters_sha256"]);
        var config = JsonDocument.Parse(texts["config"]).RootElement;
        Assert.Equal(state.Config.K, config.GetProperty("k").GetInt32());
        Assert.Equal("mnist10k", config.GetProperty("data").GetString());
        AssertArray([p.K, p.N], p.W.ToArray(), arrays["W"]);
        AssertArray([p.K], p.B.ToArray(), arrays["b"]);
        AssertArray([p.N, p.K], p.L.ToArray(), arrays["L"]);
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
    public void Export_refuses_to_replace_a_file_without_force_and_never_writes_over_the_run()
    {
        var directory = run.CopyTo(_temporary, "export-twice");
        var first = CliRunner.InProcess("export", directory);
        Assert.True(first.ExitCode == 0, first.ToString());
        var model = Path.Combine(directory, "model.npz");
        var before = File.ReadAllBytes(model);
        File.WriteAllText(model, "mine");

        var again = CliRunner.InProcess("export", directory, "--round", "0");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists; give --force", again.Stderr);
        Assert.Equal("mine", File.ReadAllText(model));

        var config = Path.Combine(directory, "config.json");
        var configText = File.ReadAllText(config);
        var onto = CliRunner.InProcess("export", directory, "--out", config, "--force");
        Assert.Equal(2, onto.ExitCode);
        Assert.Contains("is a file of the run", onto.Stderr);
        Assert.Equal(configText, File.ReadAllText(config));

        var forced = CliRunner.InProcess("export", directory, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(before, File.ReadAllBytes(model));
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

    [Fact]
    public void Sample_npz_holds_the_images_and_their_latent_states_in_ascending_order()
    {
        var directory = run.CopyTo(_temporary, "sample-npz");
        var result = CliRunner.InProcess("sample", directory, "--count", "30", "--npz", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var path = JsonDocument.Parse(result.LastLine).RootElement.GetProperty("npz_path").GetString()!;
        Assert.Equal(Path.Combine(directory, "samples.npz"), path);

        var (arrays, _, integers) = ReadNpz(path);
        var state = CheckpointStore.LoadLatest(directory);
        var (images, states) = (arrays["images"], arrays["states"]);
        Assert.Equal([30, 28, 28], images.Shape);
        Assert.Equal([30], states.Shape);
        Assert.Equal(states.Values.Order(), states.Values);
        Assert.All(states.Values, z => Assert.InRange(z, 0, state.Config.K - 1));
        Assert.All(images.Values, v => Assert.True(v is 0 or 1));
        Assert.Equal(state.Round, integers["round"]);
    }

    private static void AssertArray(int[] shape, double[] values, (int[] Shape, double[] Values) actual)
    {
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(values, actual.Values);
    }

    /// <summary>
    /// Parses every .npy entry of an .npz (format 1.0, C order, little-endian): float64 arrays into shape and values,
    /// 0-d int64 into integers, 0-d Unicode strings into texts.
    /// </summary>
    internal static (Dictionary<string, (int[] Shape, double[] Values)> Arrays, Dictionary<string, string> Texts, Dictionary<string, long> Integers)
        ReadNpz(string path)
    {
        var arrays = new Dictionary<string, (int[], double[])>();
        var texts = new Dictionary<string, string>();
        var integers = new Dictionary<string, long>();
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
            Assert.Contains("'fortran_order': False", header);
            var shapeText = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
            var shape = shapeText[..shapeText.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(int.Parse).ToArray();
            var body = bytes.AsSpan(10 + headerLength);
            var name = Path.GetFileNameWithoutExtension(entry.Name);
            var count = shape.Aggregate(1, (a, b) => a * b);
            if (header.Contains("'descr': '<i8'"))
            {
                Assert.Empty(shape);
                integers[name] = BinaryPrimitives.ReadInt64LittleEndian(body);
            }
            else if (header.Contains("'descr': '<U"))
            {
                Assert.Empty(shape);
                var text = new StringBuilder();
                for (var j = 0; j < body.Length; j += 4)
                    if (BinaryPrimitives.ReadInt32LittleEndian(body[j..]) is var c and not 0) text.Append(char.ConvertFromUtf32(c));
                texts[name] = text.ToString();
            }
            else if (header.Contains("'descr': '|u1'"))
            {
                Assert.Equal(count, body.Length);
                arrays[name] = (shape, body.ToArray().Select(b => (double)b).ToArray());
            }
            else
            {
                Assert.Contains("'descr': '<f8'", header);
                Assert.Equal(count * sizeof(double), body.Length);
                var values = new double[count];
                for (var j = 0; j < values.Length; j++) values[j] = BinaryPrimitives.ReadDoubleLittleEndian(body[(j * 8)..]);
                arrays[name] = (shape, values);
            }
        }
        return (arrays, texts, integers);
    }
}
