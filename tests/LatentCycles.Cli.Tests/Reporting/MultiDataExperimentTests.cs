using System.Text.Json;
using LatentCycles.Cli.Reporting;

namespace LatentCycles.Cli.Tests.Reporting;

/// <summary><c>experiment --data A,B</c>: one experiment per data set and one report with a section for each.</summary>
public sealed class MultiDataExperimentTests : IDisposable
{
    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    /// <summary>A digit subset under its own file name, so two of them are two data sets.</summary>
    private string DataSet(string name, int count)
    {
        var directory = _temporary.Combine(name);
        Directory.CreateDirectory(directory);
        return TinyExperimentFixture.WriteDigitSubset(directory, count, name);
    }

    [Fact]
    public void Two_data_sets_give_two_experiments_and_one_report_with_a_table_and_figures_for_each()
    {
        var first = DataSet("first", 300);
        var second = DataSet("second", 400);
        var directory = _temporary.Combine("experiment");

        var result = CliRunner.InProcess(["experiment", "--out", directory, "--data", $"{first},{second}", "--k", "3", "--chains", "32",
            "--rounds", "3", "--seeds", "1", "--threads", "1", "--checkpoint-every", "3", "--evaluate-every", "3", "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in new[] { "first-images-idx3-ubyte", "second-images-idx3-ubyte" })
        {
            Assert.True(File.Exists(Path.Combine(directory, name, "runs", "neq-two-step-seed1", "metrics.csv")), $"{name} was not trained");
            Assert.True(File.Exists(Path.Combine(directory, name, ReportWriter.FigureDirectory, "loglikelihood-vs-round.png")));
        }
        var markdown = File.ReadAllText(Path.Combine(directory, ReportWriter.MarkdownFileName));
        Assert.Contains("## first-images-idx3-ubyte", markdown);
        Assert.Contains("## second-images-idx3-ubyte", markdown);
        Assert.Equal(2, markdown.Split("### Results by model").Length - 1);
        Assert.Contains("](second-images-idx3-ubyte/figures/kernel-heatmap.png)", markdown);
        using var json = JsonDocument.Parse(result.LastLine);
        Assert.Equal(2, json.RootElement.GetProperty("data_sets").GetArrayLength());
    }

    [Fact]
    public void The_same_data_set_twice_is_refused_with_one_error_line_before_anything_is_written()
    {
        var data = DataSet("first", 300);
        var directory = _temporary.Combine("twice");

        var result = CliRunner.InProcess(["experiment", "--out", directory, "--data", $"{data},{data}", "--k", "3", "--rounds", "2"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error:", Assert.Single(result.StderrLines));
        Assert.False(Directory.Exists(directory));
    }
}
