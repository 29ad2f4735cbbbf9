using System.Buffers.Binary;
using LatentCycles.Core.Data;

namespace LatentCycles.Cli.Tests.Reporting;

/// <summary>
/// One tiny experiment (K = 3, 64 chains, 6 rounds, 2 seeds) on 600 embedded digits written as IDX files (480 training,
/// 120 test images), run once in-process and shared by the tests of <see cref="TinyExperimentCollection"/>.
/// </summary>
public sealed class TinyExperimentFixture : IDisposable
{
    public static readonly string[] RunDirectories =
        ["neq-two-step-seed1", "neq-exact-seed1", "rbm-pcd-seed1", "neq-two-step-seed2", "neq-exact-seed2", "rbm-pcd-seed2"];

    private readonly TemporaryDirectory _root = new();

    public TinyExperimentFixture()
    {
        DataPath = WriteDigitSubset(_root.Path, 600);
        Directory = _root.Combine("experiment");
        FirstRun = CliRunner.InProcess(["experiment", "--out", Directory, .. Settings, "--json"]);
    }

    /// <summary>The experiment's options besides --out and --json.</summary>
    public string[] Settings =>
        ["--k", "3", "--chains", "64", "--rounds", "6", "--seeds", "2", "--data", DataPath, "--threads", "2",
            "--checkpoint-every", "3", "--evaluate-every", "3"];

    public string DataPath { get; }

    public string Directory { get; }

    internal CliResult FirstRun { get; }

    /// <summary>A fresh directory for a test's own files.</summary>
    public string Scratch(string name) => _root.Combine(name);

    public void Dispose() => _root.Dispose();

    /// <summary>Writes <paramref name="count"/> embedded digits, evenly spaced so every class is there, as IDX images and labels; returns the images path.</summary>
    public static string WriteDigitSubset(string directory, int count)
    {
        var all = EmbeddedMnist.LoadAll();
        var images = new byte[16 + count * all.PixelCount];
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x0803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), all.Rows);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), all.Columns);
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x0801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (var j = 0; j < count; j++)
        {
            var source = (int)((long)j * all.Count / count);
            var image = all.Image(source);
            for (var i = 0; i < all.PixelCount; i++) images[16 + j * all.PixelCount + i] = image[i] == 1 ? (byte)255 : (byte)0;
            labels[8 + j] = (byte)all.Label(source);
        }
        var imagesPath = Path.Combine(directory, "digits-images-idx3-ubyte");
        File.WriteAllBytes(imagesPath, images);
        File.WriteAllBytes(Path.Combine(directory, "digits-labels-idx1-ubyte"), labels);
        return imagesPath;
    }
}

[CollectionDefinition(Name)]
public sealed class TinyExperimentCollection : ICollectionFixture<TinyExperimentFixture>
{
    public const string Name = "tiny experiment";
}
