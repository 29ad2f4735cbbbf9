using System.Diagnostics;
using LatentCycles.Training;

namespace LatentCycles.Cli.Tests;

/// <summary>
/// SIGKILL at random moments — during start-up, the creation of the run directory, checkpoint writes, anywhere — never
/// leaves a run that cannot be continued, and the continued run ends bit-identical to an uninterrupted one.
/// tools/kill-anywhere.sh does the same with many more kills.
/// </summary>
public sealed class KillAnywhereTests : IDisposable
{
    private const int Kills = 4;

    /// <summary>The first kills fall within this time of the start: start-up, creating the directory, the first checkpoint.</summary>
    private static readonly TimeSpan StartUp = TimeSpan.FromSeconds(2);

    private static readonly string[] Settings =
        ["--k", "3", "--chains", "64", "--rounds", "16", "--checkpoint-every", "2", "--evaluate-every", "0", "--threads", "1"];

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public async Task Runs_killed_at_random_moments_continue_to_the_uninterrupted_result()
    {
        var clock = Stopwatch.StartNew();
        var whole = CliRunner.Run(["train", "--out", _temporary.Combine("whole"), .. Settings]);
        var span = clock.Elapsed;
        Assert.True(whole.ExitCode == 0, whole.ToString());
        var expected = FinalParametersHash(_temporary.Combine("whole"));

        var random = new System.Random();
        for (var kill = 0; kill < Kills; kill++)
        {
            var moment = (kill < Kills / 2 ? StartUp : span) * random.NextDouble();
            var directory = _temporary.Combine($"killed{kill}");
            using (var process = CliRunner.Start(["train", "--out", directory, .. Settings]))
            {
                var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
                // The moment is the experiment's variable, not a wait for a condition.
                await Task.Delay(moment);
                process.Kill();
                await process.WaitForExitAsync();
                await drained;
            }

            var continued = File.Exists(Path.Combine(directory, "config.json"))
                ? CliRunner.Run("resume", directory)
                : CliRunner.Run(["train", "--out", directory, .. Settings]);
            var finishedAlready = continued.Stderr.Contains("is already finished");
            Assert.True(continued.ExitCode == 0 || finishedAlready, $"killed at {moment.TotalMilliseconds:F0} ms: {continued}");
            Assert.True(expected == FinalParametersHash(directory), $"killed at {moment.TotalMilliseconds:F0} ms: parameters differ");
        }
    }

    private static string FinalParametersHash(string directory)
    {
        var state = CheckpointStore.LoadLatest(directory);
        Assert.True(state.IsFinished, $"{directory} ended at round {state.Round}");
        return RunAccess.ParametersSha256(state.Parameters);
    }
}
