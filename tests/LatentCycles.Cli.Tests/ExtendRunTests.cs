using System.Text.Json;

namespace LatentCycles.Cli.Tests;

public sealed class ExtendRunTests : IDisposable
{
    private static readonly string[] Settings = ["--k", "3", "--chains", "64", "--block-size", "32", "--checkpoint-every", "4", "--evaluate-every", "0"];

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void A_finished_run_extended_with_resume_rounds_equals_the_longer_run_from_the_start_bit_for_bit()
    {
        var extended = _temporary.Combine("extended");
        var whole = _temporary.Combine("whole");
        var shortRun = CliRunner.Run(["train", "--out", extended, "--rounds", "6", .. Settings]);
        Assert.True(shortRun.ExitCode == 0, shortRun.ToString());
        var more = CliRunner.Run("resume", extended, "--rounds", "10", "--json");
        Assert.True(more.ExitCode == 0, more.ToString());
        var longRun = CliRunner.Run(["train", "--out", whole, "--rounds", "10", .. Settings]);
        Assert.True(longRun.ExitCode == 0, longRun.ToString());

        Assert.Equal(CliRunner.ExportedParametersHash(whole, 10), CliRunner.ExportedParametersHash(extended, 10));
        Assert.Equal(10, JsonDocument.Parse(File.ReadAllText(Path.Combine(extended, "config.json"))).RootElement.GetProperty("rounds").GetInt32());
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "metrics.csv")).Length, File.ReadAllLines(Path.Combine(extended, "metrics.csv")).Length);
    }

    [Fact]
    public void Resume_rounds_below_the_run_s_rounds_is_refused()
    {
        var directory = _temporary.Combine("run");
        var train = CliRunner.Run(["train", "--out", directory, "--rounds", "4", .. Settings]);
        Assert.True(train.ExitCode == 0, train.ToString());

        var result = CliRunner.InProcess("resume", directory, "--rounds", "3");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --rounds", result.Stderr);
    }
}
