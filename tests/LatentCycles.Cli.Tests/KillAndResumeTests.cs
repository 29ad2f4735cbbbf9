using System.Text.Json;

namespace LatentCycles.Cli.Tests;

/// <summary>MODEL.md §8 end to end: a run killed hard and resumed ends exactly where an uninterrupted run ends.</summary>
[Collection(FinishedRunCollection.Name)]
public sealed class KillAndResumeTests : IDisposable
{
    // Long enough that the run cannot finish between the poll that sees the first checkpoint and the kill.
    private const int Rounds = 400;

    private static readonly string[] Settings =
        ["--k", "3", "--chains", "64", "--rounds", $"{Rounds}", "--checkpoint-every", "4", "--evaluate-every", "0"];

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public async Task A_run_killed_after_a_checkpoint_and_resumed_ends_bit_identical_to_an_uninterrupted_run()
    {
        var whole = _temporary.Combine("whole");
        var interrupted = _temporary.Combine("interrupted");
        var uninterrupted = CliRunner.Run(["train", "--out", whole, "--threads", "1", .. Settings]);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());

        using (var process = CliRunner.Start(["train", "--out", interrupted, "--threads", "2", .. Settings]))
        {
            var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            await CliRunner.WaitForCheckpoint(interrupted, process, round: 4);
            process.Kill();
            process.WaitForExit();
            await drained;
        }
        var killedAt = CliRunner.LatestCheckpointRound(interrupted);
        Assert.InRange(killedAt, 4, Rounds - 1);

        var resumed = CliRunner.Run("resume", interrupted, "--checkpoint-every", "4", "--evaluate-every", "0", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(Rounds, JsonDocument.Parse(resumed.LastLine).RootElement.GetProperty("rounds").GetInt32());

        Assert.Equal(CliRunner.ExportedParametersHash(whole, Rounds), CliRunner.ExportedParametersHash(interrupted, Rounds));
    }
}
