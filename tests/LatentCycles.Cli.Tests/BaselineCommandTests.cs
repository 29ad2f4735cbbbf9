using System.Text.Json;

namespace LatentCycles.Cli.Tests;

public class BaselineCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var result = CliRunner.InProcess(args);
        return (result.ExitCode, result.Stdout, result.Stderr);
    }

    [Fact]
    public void Em_baseline_reports_train_and_test_log_likelihood_in_nats_as_its_last_json_line()
    {
        var (exitCode, output, error) = Run("baseline", "em", "--k", "4", "--restarts", "1", "--iterations", "3", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        var train = json.RootElement.GetProperty("train_ll_nats").GetDouble();
        var test = json.RootElement.GetProperty("test_ll_nats").GetDouble();
        // Four components after three EM steps sit well above the uniform model's −784 ln 2 ≈ −543 nats and below 0.
        Assert.InRange(train, -300, -100);
        Assert.InRange(test, -300, -100);
    }

    [Fact]
    public void Rbm_baseline_trains_and_reports_its_self_transition()
    {
        var (exitCode, output, _) = Run("baseline", "rbm", "--k", "3", "--rounds", "5", "--chains", "64", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.InRange(json.RootElement.GetProperty("self_transition").GetDouble(), 0, 1);
        Assert.True(double.IsFinite(json.RootElement.GetProperty("test_ll_nats").GetDouble()));
    }

    [Theory]
    [InlineData("baseline", "em", "--k", "0")]
    [InlineData("baseline", "rbm", "--k", "1")]
    [InlineData("baseline", "rbm", "--lr", "-1")]
    [InlineData("baseline", "em", "--data", "/no/such/data/set")]
    [InlineData("baseline", "mixture")]
    public void Bad_baseline_input_exits_non_zero_with_one_error_line(params string[] args)
    {
        var (exitCode, _, error) = Run(args);

        Assert.NotEqual(0, exitCode);
        var lines = error.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
    }
}
