using LatentCycles.Training;

namespace LatentCycles.Cli.Tests.Cluster;

/// <summary>
/// The configuration every cluster test trains (K = 3, 192 chains in 12 blocks of 16, many sweeps so rounds last long
/// enough to kill and join processes mid-run) and the parameters' hash of its single-process run, computed once.
/// </summary>
public sealed class ClusterRunFixture : IDisposable
{
    // Progress lines come every Rounds/20 = 4 rounds; the tests wait for them, and a joining worker needs ~20 rounds to start.
    public const int Rounds = 80;

    public static readonly string[] Settings =
    [
        "--k", "3", "--chains", "192", "--block-size", "16", "--rounds", $"{Rounds}", "--sweeps", "150", "--seed", "11",
        "--checkpoint-every", "4", "--evaluate-every", "0",
    ];

    /// <summary>Bounds every wait of the cluster tests: generous for a loaded 2-core machine, never endless.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TemporaryDirectory _root = new();

    public ClusterRunFixture()
    {
        SingleProcessHash = SingleProcessRunHash(_root.Combine("single"), Rounds);
    }

    /// <summary>The parameters' hash of a single-process run of <see cref="Settings"/> for <paramref name="rounds"/> rounds, trained in <paramref name="directory"/>.</summary>
    public static string SingleProcessRunHash(string directory, int rounds)
    {
        var result = CliRunner.Run(["train", "--out", directory, "--threads", "1", .. SettingsWithRounds(rounds)]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"the single-process reference run failed: {result}");
        return ParametersHash(directory, rounds);
    }

    /// <summary><see cref="Settings"/> with another number of rounds (the learning rate depends on the round only, not on the total).</summary>
    public static string[] SettingsWithRounds(int rounds)
    {
        var settings = (string[])Settings.Clone();
        settings[Array.IndexOf(settings, "--rounds") + 1] = $"{rounds}";
        return settings;
    }

    public string SingleProcessHash { get; }

    public void Dispose() => _root.Dispose();

    /// <summary>SHA-256 of the final parameters of the run in <paramref name="directory"/>, whose last checkpoint is at <paramref name="round"/>.</summary>
    public static string ParametersHash(string directory, int round = Rounds) => CliRunner.ExportedParametersHash(directory, round);

    /// <summary>The nodes column of metrics.csv, by round (rows written so far).</summary>
    public static int[] NodesPerRound(string directory)
    {
        var path = Path.Combine(directory, RunDirectory.MetricsFileName);
        return File.Exists(path) ? MetricsCsv.Read(path).Select(row => row.Nodes ?? 0).ToArray() : [];
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterRunCollection : ICollectionFixture<ClusterRunFixture>
{
    public const string Name = "cluster runs";
}
