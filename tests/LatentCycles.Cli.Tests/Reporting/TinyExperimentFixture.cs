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

    /// <summary>
    /// Writes <paramref name="count"/> embedded digits, evenly spaced so every class is there, as IDX images and labels
    /// named <paramref name="name"/>-…-ubyte; returns the images path.
    /// </summary>
    public static string WriteDigitSubset(string directory, int count, string name = "digits")
    {
        var all = EmbeddedMnist.LoadAll();
        return TestImages.WriteIdx(all.Select(Enumerable.Range(0, count).Select(j => (int)((long)j * all.Count / count)).ToArray()), directory, name);
    }
}

[CollectionDefinition(Name)]
public sealed class TinyExperimentCollection : ICollectionFixture<TinyExperimentFixture>
{
    public const string Name = "tiny experiment";
}
