using LatentCycles.Cli.Tests.Cluster;

namespace LatentCycles.Cli.Tests;

/// <summary>MODEL.md §8 end to end: a run killed hard and resumed ends exactly where an uninterrupted run ends.</summary>
[Collection(FinishedRunCollection.Name)]
public sealed class KillAndResumeTests : IDisposable
{
    // Open-ended: a run of a fixed length could end between the poll that sees its first checkpoint and the kill (a
    // 400-round run did, on a loaded two-core machine). So the killed run is resumed, stopped by SIGTERM once it is well
    // past the kill, and compared with an uninterrupted run of as many rounds: the learning rate depends on the round,
    // not on the total.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    private static string[] Settings(int rounds) =>
        ["--k", "3", "--chains", "64", "--rounds", $"{rounds}", "--checkpoint-every", "4", "--evaluate-every", "0"];

    [Fact]
    public void A_run_killed_after_a_checkpoint_and_resumed_ends_bit_identical_to_an_uninterrupted_run()
    {
        var interrupted = _temporary.Combine("interrupted");
        using (var first = ClusterProcess.Start("train", ["train", "--out", interrupted, "--threads", "2", .. Settings(CliRunner.OpenEndedRounds)]))
        {
            CliRunner.AwaitCheckpoint(interrupted, first, 4, Timeout);
            first.Kill();
        }
        var killedAt = CliRunner.LatestCheckpointRound(interrupted);
        Assert.InRange(killedAt, 4, CliRunner.OpenEndedRounds - 1);

        int stoppedAt;
        using (var resumed = ClusterProcess.Start("resume", "resume", interrupted, "--checkpoint-every", "4", "--evaluate-every", "0"))
        {
            CliRunner.AwaitCheckpoint(interrupted, resumed, killedAt + 8, Timeout);
            resumed.Terminate();
            Assert.True(resumed.WaitForExit(Timeout) == TrainingSession.StoppedExitCode, resumed.Output);
            Assert.Contains($"resuming {Path.GetFullPath(interrupted)} at round {killedAt} of {CliRunner.OpenEndedRounds}", resumed.Output);
            stoppedAt = CliRunner.LatestCheckpointRound(interrupted);
        }

        var whole = _temporary.Combine("whole");
        var uninterrupted = CliRunner.Run(["train", "--out", whole, "--threads", "1", .. Settings(stoppedAt)]);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        Assert.Equal(CliRunner.ExportedParametersHash(whole, stoppedAt), CliRunner.ExportedParametersHash(interrupted, stoppedAt));
    }
}
