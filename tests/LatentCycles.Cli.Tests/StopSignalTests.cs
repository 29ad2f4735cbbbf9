using System.Text.RegularExpressions;
using LatentCycles.Cli.Tests.Cluster;
using LatentCycles.Training;

namespace LatentCycles.Cli.Tests;

/// <summary>SIGTERM asks a run to stop: it finishes the round in flight, writes a checkpoint there and exits with 130.</summary>
public sealed partial class StopSignalTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void A_signal_stops_once_and_one_arriving_after_dispose_is_left_to_its_default()
    {
        var signals = new StopSignals();

        Assert.Equal(StopSignals.StopRequest.First, signals.RequestStop());
        Assert.True(signals.Token.IsCancellationRequested);
        Assert.Equal(StopSignals.StopRequest.Repeated, signals.RequestStop());
        signals.Dispose();
        Assert.Equal(StopSignals.StopRequest.Unheard, signals.RequestStop());
    }

    [Fact]
    public void Sigterm_stops_a_run_with_a_checkpoint_at_the_round_it_reports_and_exit_130()
    {
        var run = _temporary.Combine("run");
        using var process = ClusterProcess.Start("train", "train", "--out", run, "--k", "3", "--chains", "64", "--threads", "1",
            "--rounds", "2000", "--checkpoint-every", "2000", "--evaluate-every", "0");
        // The first plain progress line (one per 100 rounds), well after the round-0 checkpoint and far from the end.
        process.WaitForOutput("round 100/2000", Timeout);

        process.Terminate();

        Assert.True(process.WaitForExit(Timeout) == 130, process.Output);
        var stoppedAt = int.Parse(StoppedAt().Match(process.Output).Groups[1].Value);
        Assert.Equal(stoppedAt, CheckpointStore.LoadLatest(run).Round);
        Assert.DoesNotContain("   at ", process.Output);
    }

    [GeneratedRegex(@"stopped at round (\d+) of")]
    private static partial Regex StoppedAt();
}
