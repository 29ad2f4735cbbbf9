using System.Text.Json;
using LatentCycles.Cli.Tests.Reporting;

namespace LatentCycles.Cli.Tests;

public sealed class EvalDataTests : IDisposable
{
    private static readonly string[] Settings = ["--k", "3", "--chains", "64", "--block-size", "32", "--checkpoint-every", "4", "--evaluate-every", "0"];

    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Eval_data_scores_the_model_on_another_data_set()
    {
        var directory = _temporary.Combine("scored");
        var train = CliRunner.Run(["train", "--out", directory, "--rounds", "4", .. Settings]);
        Assert.True(train.ExitCode == 0, train.ToString());
        var other = TinyExperimentFixture.WriteDigitSubset(_temporary.Path, 300);

        var own = JsonDocument.Parse(CliRunner.InProcess("eval", directory, "--json").LastLine).RootElement;
        var result = CliRunner.InProcess("eval", directory, "--data", other, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var scored = JsonDocument.Parse(result.LastLine).RootElement;
        Assert.Equal(Path.GetFullPath(other), scored.GetProperty("data").GetString());
        Assert.NotEqual(own.GetProperty("test_ll_nats").GetDouble(), scored.GetProperty("test_ll_nats").GetDouble());
        Assert.Equal(own.GetProperty("parameters_sha256").GetString(), scored.GetProperty("parameters_sha256").GetString());
    }
}
