using System.Text.Json;

namespace LatentCycles.Cli.Tests;

public class BenchCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var result = CliRunner.InProcess(args);
        return (result.ExitCode, result.Stdout, result.Stderr);
    }

    [Fact]
    public void Bench_with_json_ends_with_one_json_object_holding_the_throughput_keys()
    {
        var (exitCode, output, error) = Run("bench", "--k", "3", "--pixels", "20", "--chains", "300", "--threads", "1,2", "--seconds", "0.05", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        var lastLine = output.TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(lastLine);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("k").GetInt32());
        Assert.Equal(20, root.GetProperty("pixels").GetInt32());
        Assert.Equal(300, root.GetProperty("chains").GetInt32());
        Assert.True(root.GetProperty("steps_per_second_per_core").GetDouble() > 0);
        var byThreads = root.GetProperty("steps_per_second_by_threads");
        Assert.True(byThreads.GetProperty("1").GetDouble() > 0);
        Assert.True(byThreads.GetProperty("2").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--k", "1")]
    [InlineData("--threads", "1,zero")]
    [InlineData("--seconds", "-1")]
    public void Bench_with_a_bad_value_exits_with_code_2_and_one_error_line(string option, string value)
    {
        var (exitCode, output, error) = Run("bench", option, value, "--json");

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        var lines = error.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
    }

    [Fact]
    public void An_unparsable_command_line_exits_non_zero_with_one_error_line()
    {
        var (exitCode, _, error) = Run("bench", "--k", "ten");

        Assert.NotEqual(0, exitCode);
        var lines = error.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
    }
}
