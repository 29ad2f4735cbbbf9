namespace LatentCycles.Cli.Tests.Cluster;

/// <summary><c>node --profile</c>: a worker that is stopped prints its own phases of the assignments it served.</summary>
public sealed class NodeProfileTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void A_profiled_worker_prints_the_phases_of_every_round_it_served_when_stopped()
    {
        var port = ClusterProcess.FreePort();
        using var coordinator = ClusterProcess.Start("coordinator", "train", "--cluster", "--port", $"{port}", "--min-workers", "1",
            "--threads", "0", "--out", _temporary.Combine("run"), "--rounds", "3", "--k", "3", "--chains", "64", "--evaluate-every", "0");
        using var worker = ClusterProcess.Start("worker", "node", "--seed", $"127.0.0.1:{port}", "--threads", "1", "--profile",
            "--log", _temporary.Combine("node.log"));

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);
        worker.Terminate();

        Assert.True(worker.WaitForExit(Timeout) == 0, worker.Output);
        // The coordinator has no chain threads, so this worker served all three rounds.
        Assert.Contains("round phases over 3 rounds:", worker.Output);
        var rows = worker.Output.Split('\n').Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(cells => cells.Length > 1).ToList();
        Assert.All(new[] { "sweeps", "reply" }, phase => Assert.True(double.Parse(rows.First(r => r[0] == phase)[1], System.Globalization.CultureInfo.InvariantCulture) > 0));
        Assert.Contains("garbage collections in this process:", worker.Output);
    }
}
