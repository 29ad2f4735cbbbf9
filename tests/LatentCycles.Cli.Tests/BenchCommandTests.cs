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

    [Fact]
    public void Bench_train_reports_the_trainer_throughput_its_ratio_to_the_kernel_and_the_round_phases()
    {
        var (exitCode, output, error) = Run("bench", "--train", "--profile", "--k", "3", "--chains", "300", "--threads", "1",
            "--rounds", "10", "--seconds", "0.05", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        var root = json.RootElement;
        Assert.Equal(10, root.GetProperty("train_rounds").GetInt32());
        var train = root.GetProperty("train_steps_per_second").GetProperty("1").GetDouble();
        var kernel = root.GetProperty("steps_per_second_by_threads").GetProperty("1").GetDouble();
        Assert.True(train > 0);
        Assert.Equal(train / kernel, root.GetProperty("train_over_kernel").GetProperty("1").GetDouble(), tolerance: 1e-3);
        var phases = root.GetProperty("profile_ms_per_round_by_threads").GetProperty("1");
        Assert.True(phases.GetProperty("sweeps").GetDouble() > 0);
        Assert.True(phases.GetProperty("data_phase").GetDouble() > 0);
        Assert.True(phases.GetProperty("round").GetDouble() >= phases.GetProperty("sweeps").GetDouble());
        var medians = root.GetProperty("profile_median_ms_per_round_by_threads").GetProperty("1");
        Assert.True(medians.GetProperty("sweeps").GetDouble() > 0);
        // Every round is at least as long as its sweeps, so the median round is at least the median sweeps.
        Assert.True(medians.GetProperty("round").GetDouble() >= medians.GetProperty("sweeps").GetDouble());
    }

    [Fact]
    public void Bench_wire_reports_both_messages_of_a_round_with_their_sizes_and_codec_times()
    {
        var (exitCode, output, error) = Run("bench", "--wire", "--k", "3", "--pixels", "20", "--chains", "300", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        var messages = json.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["RoundStarted", "NodeStatistics"], messages.Select(m => m.GetProperty("message").GetString()));
        // The parameters (2·K·N + K doubles) and one state byte per chain go out; at least the states come back.
        Assert.True(messages[0].GetProperty("bytes").GetInt32() > 8 * (2 * 3 * 20 + 3) + 300);
        Assert.True(messages[1].GetProperty("bytes").GetInt32() > 300);
        Assert.All(messages, m => Assert.True(m.GetProperty("decode_median").GetDouble() >= m.GetProperty("decode_p10").GetDouble()));
    }

    [Theory]
    [InlineData("--k", "1")]
    [InlineData("--threads", "1,zero")]
    [InlineData("--seconds", "-1")]
    [InlineData("--profile", "true")]
    public void Bench_with_a_bad_value_exits_with_code_2_and_one_error_line(string option, string value)
    {
        var (exitCode, output, error) = Run("bench", option, value, "--json");

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        var lines = error.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
    }

    [Theory]
    [InlineData("--train")]
    [InlineData("--wire")]
    [InlineData("--seconds")]
    public void Statistics_too_large_for_memory_are_refused_with_one_error_line(string mode)
    {
        string[] extra = mode == "--seconds" ? ["--seconds", "0.1"] : mode == "--train" ? ["--train"] : ["--wire"];
        var (exitCode, output, error) = Run(["bench", "--k", "255", "--pixels", "100000", .. extra]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: --k 255 with --pixels 100000", Assert.Single(error.TrimEnd().Split('\n')));
        Assert.DoesNotContain("chain sweep", output);
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
