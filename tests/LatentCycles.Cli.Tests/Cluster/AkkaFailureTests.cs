using System.Net;
using System.Net.Sockets;

namespace LatentCycles.Cli.Tests.Cluster;

/// <summary>
/// Failures inside Akka (a failing actor, an address that cannot be bound, a peer that does not speak Akka's protocol)
/// reach the console as at most one <c>error:</c> line; Akka's own report, stack traces included, goes to the log file.
/// </summary>
public sealed class AkkaFailureTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] Small = ["--k", "3", "--chains", "64", "--threads", "1"];

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void A_chain_worker_that_fails_ends_the_run_with_one_error_line()
    {
        var result = CliRunner.Run(["train", "--out", _temporary.Combine("run"), "--rounds", "2", "--sweeps", $"{int.MaxValue}", .. Small]);

        AssertOneErrorLine(result);
    }

    [Fact]
    public void A_coordinator_whose_hostname_does_not_resolve_fails_with_one_error_line()
    {
        var result = CliRunner.Run(["train", "--cluster", "--hostname", "no.such.host.invalid", "--port", $"{ClusterProcess.FreePort()}",
            "--out", _temporary.Combine("run"), "--rounds", "2", .. Small]);

        AssertOneErrorLine(result);
    }

    [Fact]
    public void A_worker_on_a_port_in_use_fails_with_one_error_line()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var result = CliRunner.Run("node", "--seed", $"127.0.0.1:{port}", "--port", $"{port}", "--threads", "1", "--log", _temporary.Combine("node.log"));

        AssertOneErrorLine(result);
        Assert.Contains("in use", result.Stderr);
    }

    [Fact]
    public async Task A_worker_whose_seed_is_not_an_akka_port_keeps_trying_quietly_and_stops_on_sigterm()
    {
        using var impostor = new TcpListener(IPAddress.Loopback, 0);
        impostor.Start();
        var port = ((IPEndPoint)impostor.LocalEndpoint).Port;
        using var node = ClusterProcess.Start("node", "node", "--seed", $"127.0.0.1:{port}", "--threads", "1", "--log", _temporary.Combine("node.log"));

        // Two answered attempts: the worker survived the first garbage reply and tried again.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var connection = await impostor.AcceptTcpClientAsync().WaitAsync(Timeout);
            await connection.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
        }
        node.Terminate();

        Assert.Equal(0, node.WaitForExit(Timeout));
        Assert.DoesNotContain("   at ", node.Output);
        Assert.DoesNotContain("error", node.Output);
    }

    [Fact]
    public void Garbage_on_the_coordinator_port_goes_to_run_log_and_the_run_finishes()
    {
        var port = ClusterProcess.FreePort();
        var run = _temporary.Combine("run");
        using var coordinator = ClusterProcess.Start("coordinator", ["train", "--cluster", "--port", $"{port}", "--min-workers", "1",
            "--out", run, "--rounds", "3", .. Small]);
        coordinator.WaitForOutput("waiting for workers", Timeout);
        using (var garbage = new TcpClient())
        {
            garbage.Connect(IPAddress.Loopback, port);
            garbage.GetStream().Write(Enumerable.Range(0, 4096).Select(j => (byte)j).ToArray());
        }
        using var worker = ClusterProcess.Start("worker", "node", "--seed", $"127.0.0.1:{port}", "--threads", "1", "--log", _temporary.Combine("node.log"));

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);
        Assert.DoesNotContain("   at ", coordinator.Output);
        Assert.Contains("Error caught channel", File.ReadAllText(Path.Combine(run, "run.log")));
    }

    private static void AssertOneErrorLine(CliResult result)
    {
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.StartsWith("error: ", Assert.Single(result.StderrLines));
        Assert.DoesNotContain("   at ", result.Stdout);
    }
}
