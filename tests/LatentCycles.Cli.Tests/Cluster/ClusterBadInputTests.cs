using System.Net;
using System.Net.Sockets;

namespace LatentCycles.Cli.Tests.Cluster;

public sealed class ClusterBadInputTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void A_coordinator_on_a_port_in_use_is_refused_before_anything_is_written()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var run = _temporary.Combine("run");

        var result = CliRunner.InProcess("train", "--cluster", "--port", $"{port}", "--out", run, "--k", "3", "--chains", "64", "--rounds", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: 127.0.0.1:{port} is already in use (another coordinator?); choose another --port"], result.StderrLines);
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("--port", "4053")]
    [InlineData("--min-workers", "2")]
    public void A_cluster_option_without_cluster_is_refused(string option, string value)
    {
        var result = CliRunner.InProcess("train", "--out", _temporary.Combine("run"), option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: {option} needs --cluster"], result.StderrLines);
    }

    [Theory]
    [InlineData("coordinator", "--seed must be HOST:PORT")]
    [InlineData("coordinator:0", "--seed must be HOST:PORT")]
    public void A_worker_with_a_bad_seed_is_refused_in_one_line(string seed, string expected)
    {
        var result = CliRunner.InProcess("node", "--seed", seed);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {expected}", Assert.Single(result.StderrLines));
    }

    [Fact]
    public void A_worker_waiting_for_its_coordinator_says_so_in_one_short_line_per_retry()
    {
        var seed = $"127.0.0.1:{ClusterProcess.FreePort()}";
        using var worker = ClusterProcess.Start("worker", "node", "--seed", seed, "--threads", "1");

        worker.WaitForOutput($"no coordinator at {seed} yet; trying again{Environment.NewLine}no coordinator at {seed} yet", ClusterRunFixture.Timeout);
        worker.Kill();

        var lines = worker.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("--- ", StringComparison.Ordinal)).ToArray();
        Assert.StartsWith("node akka.tcp://latentcycles@127.0.0.1:", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Equal($"no coordinator at {seed} yet; trying again", l));
    }

    [Fact]
    public void A_worker_needs_a_seed()
    {
        var result = CliRunner.InProcess("node", "--threads", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--seed", Assert.Single(result.StderrLines));
    }
}
