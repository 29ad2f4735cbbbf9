using System.Text.Json;
using LatentCycles.Training;

namespace LatentCycles.Cli.Tests;

/// <summary>What resume takes from the run it continues: its settings from config.json, and config.json itself from the checkpoints.</summary>
public sealed class ResumeRecordTests : IDisposable
{
    private static readonly string[] Settings = ["--k", "3", "--chains", "64", "--block-size", "32", "--evaluate-every", "0"];

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Resume_keeps_the_run_s_checkpoint_interval_unless_it_is_given_anew()
    {
        var directory = _temporary.Combine("run");
        var train = CliRunner.InProcess(["train", "--out", directory, "--rounds", "4", "--checkpoint-every", "2", .. Settings]);
        Assert.True(train.ExitCode == 0, train.ToString());

        var kept = CliRunner.InProcess("resume", directory, "--rounds", "8");
        var changed = CliRunner.InProcess("resume", directory, "--rounds", "12", "--checkpoint-every", "3");

        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Equal(6, CheckpointStore.Load(directory, 7).Round);
        Assert.Equal(9, CheckpointStore.Load(directory, 11).Round);
        Assert.Equal(3, RunDirectory.ReadConfig(directory).Settings!.CheckpointEvery);
    }

    [Fact]
    public void Resume_rewrites_a_deleted_config_json_from_the_latest_checkpoint_and_ends_as_the_whole_run()
    {
        var directory = _temporary.Combine("lost-config");
        var whole = _temporary.Combine("whole");
        var train = CliRunner.InProcess(["train", "--out", directory, "--rounds", "4", "--checkpoint-every", "2", .. Settings]);
        Assert.True(train.ExitCode == 0, train.ToString());
        var recorded = RunDirectory.ReadConfig(directory);
        File.Delete(Path.Combine(directory, RunDirectory.ConfigFileName));

        var resumed = CliRunner.InProcess("resume", directory, "--rounds", "6");
        var longRun = CliRunner.InProcess(["train", "--out", whole, "--rounds", "6", "--checkpoint-every", "2", .. Settings]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.True(longRun.ExitCode == 0, longRun.ToString());
        Assert.Contains("config.json was missing", resumed.Stdout);
        var rewritten = RunDirectory.ReadConfig(directory);
        Assert.Equal(recorded.Config with { Rounds = 6 }, rewritten.Config);
        Assert.Equal(recorded.Data, rewritten.Data);
        Assert.Equal(recorded.RunId, rewritten.RunId);
        Assert.Equal(CliRunner.ExportedParametersHash(whole, 6), CliRunner.ExportedParametersHash(directory, 6));
    }
}
