using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Tests.Reporting;

public class ReportWriterTests
{
    private static readonly string[] ExpectedFigures =
    [
        "loglikelihood-vs-round.png", "entropy-production-vs-round.png", "self-transition-vs-round.png",
        "entropy-vs-loglikelihood.png", "current-graph.png", "kernel-heatmap.png",
        "samples-neq-two-step.png", "samples-neq-exact.png", "samples-rbm-pcd.png",
    ];

    [Fact]
    public void A_synthetic_K3_experiment_writes_markdown_html_and_every_figure_as_a_non_trivial_png()
    {
        var directory = Directory.CreateTempSubdirectory("report-test").FullName;
        try
        {
            ReportWriter.Write(directory, SyntheticReport.Build(k: 3), force: false);

            foreach (var name in ExpectedFigures)
            {
                var png = File.ReadAllBytes(Path.Combine(directory, ReportWriter.FigureDirectory, name));
                var (width, height) = PngFile.Size(png);
                Assert.InRange(width, 300, 4000);
                Assert.InRange(height, 300, 4000);
                Assert.True(PngFile.DistinctColours(png) > 8, $"{name} has almost no content");
                Assert.True(PngFile.DarkPixels(png, 0, 45) > 50, $"{name} has no visible title (are fonts installed?)");
            }
            var markdown = File.ReadAllText(Path.Combine(directory, ReportWriter.MarkdownFileName));
            foreach (var name in ExpectedFigures) Assert.Contains($"]({ReportWriter.FigureDirectory}/{name})", markdown);
            var html = File.ReadAllText(Path.Combine(directory, ReportWriter.HtmlFileName));
            Assert.Equal(ExpectedFigures.Length, CountOf(html, "src=\"data:image/png;base64,"));
            Assert.DoesNotContain("figures/", html);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_model_table_has_one_row_per_model_then_the_ceiling_with_means_and_spreads_over_seeds()
    {
        var report = SyntheticReport.Build(k: 3);

        var table = ReportWriter.ModelTable(report);

        Assert.Equal([.. SyntheticReport.Models, "Bernoulli mixture, EM (ceiling)"], table.Rows.Select(r => r[0]));
        var likelihoods = report.Runs.Where(r => r.Model == "neq exact").Select(r => r.Final!.TestLogLikelihood).ToList();
        var mean = likelihoods.Average();
        var sd = Math.Sqrt(likelihoods.Sum(v => (v - mean) * (v - mean)));
        Assert.Equal($"{mean:0.00} ± {sd:0.00}", table.Rows[1][2]);
        var ceiling = report.Ceilings.Average(c => c.TestLogLikelihood);
        Assert.Equal((mean - ceiling).ToString("+0.00;-0.00"), table.Rows[1][3]);
        Assert.Equal(ReportWriter.Missing, table.Rows[3][4]);
    }

    [Fact]
    public void A_run_without_ceiling_or_evaluation_shows_dashes_and_no_final_figures()
    {
        var full = SyntheticReport.Build(k: 3);
        var run = full.Runs[0] with { Final = null, WallSeconds = null };
        var report = new ExperimentReport("one run", "no evaluation", [run], [], null);

        var table = ReportWriter.ModelTable(report);
        var figures = ReportFigures.Render(report).Select(f => f.FileName).ToList();

        Assert.Single(table.Rows);
        Assert.All(table.Rows[0].Skip(2), cell => Assert.Equal(ReportWriter.Missing, cell));
        Assert.Equal(["loglikelihood-vs-round.png", "entropy-production-vs-round.png", "self-transition-vs-round.png"], figures);
    }

    [Fact]
    public void The_running_mean_skips_missing_values_and_averages_the_trailing_window()
    {
        var rows = new[] { 1.0, 3.0, 5.0, 7.0 }
            .Select((v, round) => new MetricsRow(round, v, null, 0, 0, TestLogLikelihood: round == 1 ? null : new LikelihoodEstimate(v, 0))).ToList();

        var (xs, ys) = ReportFigures.RunningMean(rows, r => r.TestLogLikelihood?.MeanNats, window: 2);

        Assert.Equal([0.0, 2.0, 3.0], xs);
        Assert.Equal([1.0, 3.0, 6.0], ys);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
