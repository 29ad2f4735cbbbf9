using System.Text.Json;
using LatentCycles.Training;

namespace LatentCycles.Cli.Tests;

/// <summary>train, eval and report show one evaluation of a checkpoint, with the same headline likelihood.</summary>
public sealed class EvaluationAgreementTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Train_eval_and_report_agree_on_the_rbm_test_likelihood_and_give_the_exact_one()
    {
        var directory = _temporary.Combine("rbm");
        var train = CliRunner.Run(["train", "--out", directory, "--model", "rbm", "--k", "3", "--chains", "64", "--rounds", "4",
            "--checkpoint-every", "4", "--evaluate-every", "0"]);
        Assert.True(train.ExitCode == 0, train.ToString());
        var trained = MetricsCsv.Read(Path.Combine(directory, RunDirectory.MetricsFileName))[^1].TestLogLikelihood!;

        var eval = JsonDocument.Parse(CliRunner.InProcess("eval", directory, "--json").LastLine).RootElement;
        var report = CliRunner.InProcess("report", directory, "--json");
        Assert.True(report.ExitCode == 0, report.ToString());
        var reported = JsonDocument.Parse(report.LastLine).RootElement.GetProperty("runs")[0];

        Assert.Equal("exact-rbm", eval.GetProperty("likelihood_method").GetString());
        Assert.Equal(0, trained.StandardErrorNats);
        Assert.Equal(trained.MeanNats, eval.GetProperty("test_ll_nats").GetDouble());
        Assert.Equal(trained.MeanNats, reported.GetProperty("test_ll_nats").GetDouble());
        Assert.NotEqual(trained.MeanNats, eval.GetProperty("test_ll_fresh_sample_nats").GetDouble());
    }
}
