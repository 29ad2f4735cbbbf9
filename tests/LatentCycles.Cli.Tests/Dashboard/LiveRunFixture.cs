using System.Text.RegularExpressions;
using LatentCycles.Cli.Tests.Cluster;

namespace LatentCycles.Cli.Tests.Dashboard;

/// <summary>
/// A training run with its dashboard on a free port, long enough to be still running whenever a test looks at it
/// (the tests end it: it is killed when the collection is done).
/// </summary>
public sealed class LiveRunFixture : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly TemporaryDirectory _root = new();
    private readonly ClusterProcess _process;

    public LiveRunFixture()
    {
        _process = ClusterProcess.Start("train --dashboard", "train", "--out", _root.Combine("live"), "--k", "3", "--chains", "256",
            "--rounds", "1000000", "--evaluate-every", "5", "--checkpoint-every", "50", "--threads", "1", "--dashboard", "0");
        _process.WaitForOutput("dashboard at ", StartTimeout);
        Address = new Uri(Regex.Match(_process.Output, @"dashboard at (\S+)").Groups[1].Value);
    }

    /// <summary>The page, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    public string Output => _process.Output;

    public void Dispose()
    {
        _process.Dispose();
        _root.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class LiveRunCollection : ICollectionFixture<LiveRunFixture>
{
    public const string Name = "live run with a dashboard";
}
