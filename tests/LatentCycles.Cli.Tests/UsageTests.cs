using System.Text.Json;

namespace LatentCycles.Cli.Tests;

public sealed class UsageTests
{
    [Fact]
    public void A_bare_call_prints_the_usage_with_every_command()
    {
        var result = CliRunner.InProcess();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Stdout);
        foreach (var command in new[] { "train", "resume", "dashboard", "export", "help" }) Assert.Contains(command, result.Stdout);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public void Help_describes_one_command_and_as_json_its_options()
    {
        var result = CliRunner.InProcess("help", "export", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("--force", result.Stdout);
        var json = JsonDocument.Parse(result.LastLine).RootElement;
        Assert.Equal("export", json.GetProperty("command").GetString());
        Assert.Contains(json.GetProperty("options").EnumerateArray(), o => o.GetProperty("name").GetString() == "--out");
    }

    [Fact]
    public void Help_of_an_unknown_command_is_one_error_line()
    {
        var result = CliRunner.InProcess("help", "tran");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: no command 'tran'", result.Stderr);
    }

    [Theory]
    [InlineData("train", "--k", "ten", "--k must be a whole number, got 'ten'")]
    [InlineData("train", "--seed", "-1", "--seed must be a whole number ≥ 0, got '-1'")]
    [InlineData("bench", "--seconds", "long", "--seconds must be a number, got 'long'")]
    [InlineData("train", "--dashboard", "web", "--dashboard must be a whole number, got 'web'")]
    public void A_value_of_the_wrong_kind_is_named_without_dotnet_types(string command, string option, string value, string message)
    {
        var result = CliRunner.InProcess(command, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: {message}", result.Stderr.TrimEnd());
        Assert.DoesNotContain("System.", result.Stderr);
    }

    [Fact]
    public void Experiment_threads_are_described_without_the_cluster()
    {
        var result = CliRunner.InProcess("experiment", "--help");

        Assert.Contains("--threads", result.Stdout);
        Assert.DoesNotContain("--cluster", result.Stdout);
    }
}
