namespace LatentCycles.Cli.Tests;

/// <summary>One tiny finished run on the embedded digits, trained once by the built program and shared by the tests.</summary>
public sealed class FinishedRunFixture : IDisposable
{
    public static readonly string[] Settings = ["--k", "3", "--chains", "64", "--rounds", "4", "--checkpoint-every", "2"];

    private readonly TemporaryDirectory _root = new();

    public FinishedRunFixture()
    {
        Directory = _root.Combine("finished");
        var result = CliRunner.Run(["train", "--out", Directory, "--json", .. Settings]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"the fixture run failed: {result}");
    }

    /// <summary>The run directory; tests that write into a run work on a copy (<see cref="CopyTo"/>).</summary>
    public string Directory { get; }

    public string CopyTo(TemporaryDirectory target, string name)
    {
        var copy = target.Combine(name);
        Files.CopyDirectory(Directory, copy);
        return copy;
    }

    public void Dispose() => _root.Dispose();
}

[CollectionDefinition(Name)]
public sealed class FinishedRunCollection : ICollectionFixture<FinishedRunFixture>
{
    public const string Name = "finished run";
}
