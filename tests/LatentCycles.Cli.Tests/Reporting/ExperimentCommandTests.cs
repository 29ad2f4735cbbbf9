using System.Text.Json;
using LatentCycles.Cli.Reporting;
using LatentCycles.Training;

namespace LatentCycles.Cli.Tests.Reporting;

[Collection(TinyExperimentCollection.Name)]
public sealed class ExperimentCommandTests(TinyExperimentFixture experiment)
{
    private static readonly string[] Figures =
    [
        "loglikelihood-vs-round.png", "entropy-production-vs-round.png", "self-transition-vs-round.png",
        "entropy-vs-loglikelihood.png", "current-graph.png", "kernel-heatmap.png",
        "samples-neq-two-step.png", "samples-neq-exact.png", "samples-rbm-pcd.png",
    ];

    [Fact]
    public void The_experiment_trains_every_model_and_seed_as_a_finished_run_directory_and_fits_one_ceiling_per_seed()
    {
        Assert.True(experiment.FirstRun.ExitCode == 0, experiment.FirstRun.ToString());
        foreach (var name in TinyExperimentFixture.RunDirectories)
        {
            var run = Path.Combine(experiment.Directory, "runs", name);
            foreach (var file in new[] { "config.json", "metrics.csv", "run.db", ReportFiles.RunReportFileName })
                Assert.True(File.Exists(Path.Combine(run, file)), $"{name}/{file} is missing");
            Assert.Equal(6, MetricsCsv.Read(Path.Combine(run, "metrics.csv")).Count);
        }
        Assert.Equal([1UL, 2UL], ReportFiles.ReadCeilings(experiment.Directory).Select(c => c.Seed));
    }

    [Fact]
    public void The_experiment_writes_report_md_html_and_every_figure_as_a_non_trivial_png()
    {
        foreach (var name in Figures)
        {
            var png = File.ReadAllBytes(Path.Combine(experiment.Directory, ReportWriter.FigureDirectory, name));
            var (width, height) = PngFile.Size(png);
            Assert.True(width >= 300 && height >= 300, $"{name} is {width}×{height}");
            Assert.True(PngFile.DistinctColours(png) > 8, $"{name} has almost no content");
        }
        var markdown = File.ReadAllText(Path.Combine(experiment.Directory, ReportWriter.MarkdownFileName));
        Assert.Contains("| neq two-step | 2/2 |", markdown);
        Assert.Contains("| Bernoulli mixture, EM (ceiling) | 2/2 |", markdown);
        // The opening states the optimizer, both rates and their schedule as the runs used them: the defaults here.
        Assert.Contains("Adam with learning rate 0.0045 (the decoder's L 0.0135), both falling as 1/√(1 + t/500) with the round t", markdown);
        Assert.Contains("data:image/png;base64,", File.ReadAllText(Path.Combine(experiment.Directory, ReportWriter.HtmlFileName)));
    }

    [Fact]
    public void The_json_line_gives_each_model_its_test_likelihood_gap_to_the_ceiling_and_observables()
    {
        using var json = JsonDocument.Parse(experiment.FirstRun.LastLine);
        var models = json.RootElement.GetProperty("models").EnumerateArray().ToList();

        Assert.Equal(["neq two-step", "neq exact", "RBM (PCD)"], models.Select(m => m.GetProperty("model").GetString()));
        var ceiling = json.RootElement.GetProperty("ceiling_test_ll_nats").GetDouble();
        foreach (var model in models)
        {
            Assert.Equal(2, model.GetProperty("evaluated_runs").GetInt32());
            var likelihood = model.GetProperty("test_ll_nats").GetDouble();
            Assert.Equal(likelihood - ceiling, model.GetProperty("gap_to_ceiling_nats").GetDouble(), 9);
            Assert.InRange(model.GetProperty("self_transition").GetDouble(), 0, 1);
            Assert.True(model.GetProperty("class_kl_nats").GetDouble() >= 0);
        }
        Assert.Equal(Figures, json.RootElement.GetProperty("figures").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public void Running_the_experiment_again_skips_the_finished_runs_and_leaves_their_files_unchanged()
    {
        var runs = Path.Combine(experiment.Directory, "runs");
        var before = TinyExperimentFixture.RunDirectories.ToDictionary(d => d, d => Files.Hashes(Path.Combine(runs, d)));

        var again = CliRunner.InProcess(["experiment", "--out", experiment.Directory, .. experiment.Settings]);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("6 already finished", again.Stdout);
        Assert.DoesNotContain("starting", again.Stdout);
        Assert.DoesNotContain("evaluating", again.Stdout);
        foreach (var (name, hashes) in before) Assert.Equal(hashes, Files.Hashes(Path.Combine(runs, name)));
    }

    [Fact]
    public void A_run_directory_of_other_settings_is_refused_with_one_error_line_before_anything_is_trained()
    {
        var directory = experiment.Scratch("mismatch");
        var settings = experiment.Settings.Select(s => s == "6" ? "5" : s).ToArray();
        var first = CliRunner.InProcess(["train", "--out", Path.Combine(directory, "runs", "neq-two-step-seed1"), "--seed", "1",
            "--k", "3", "--chains", "64", "--rounds", "6", "--data", experiment.DataPath]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var result = CliRunner.InProcess(["experiment", "--out", directory, .. settings]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error:", line);
        Assert.Contains("other settings", line);
        Assert.False(Directory.Exists(Path.Combine(directory, "runs", "neq-exact-seed1")));
    }

    [Fact]
    public void Report_redraws_every_figure_of_an_experiment_from_the_stored_evaluations()
    {
        var copy = experiment.Scratch("redrawn");
        CopyTree(experiment.Directory, copy);
        Directory.Delete(Path.Combine(copy, ReportWriter.FigureDirectory), recursive: true);
        File.Delete(Path.Combine(copy, ReportWriter.MarkdownFileName));

        var result = CliRunner.InProcess(["report", copy, "--force"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("evaluating", result.Stdout);
        foreach (var name in Figures) PngFile.Size(File.ReadAllBytes(Path.Combine(copy, ReportWriter.FigureDirectory, name)));
        Assert.Equal(File.ReadAllText(Path.Combine(experiment.Directory, ReportWriter.MarkdownFileName)),
            File.ReadAllText(Path.Combine(copy, ReportWriter.MarkdownFileName)));
    }

    [Fact]
    public void Report_of_a_single_train_run_evaluates_its_latest_checkpoint_and_draws_its_figures()
    {
        var run = experiment.Scratch("single");
        var trained = CliRunner.InProcess(["train", "--out", run, "--k", "3", "--chains", "64", "--rounds", "4", "--data", experiment.DataPath]);
        Assert.True(trained.ExitCode == 0, trained.ToString());

        var result = CliRunner.InProcess(["report", run, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.LastLine);
        Assert.Equal(
            ["loglikelihood-vs-round.png", "entropy-production-vs-round.png", "self-transition-vs-round.png",
                "entropy-vs-loglikelihood.png", "current-graph.png", "kernel-heatmap.png", "samples-neq-two-step.png"],
            json.RootElement.GetProperty("figures").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(4, json.RootElement.GetProperty("runs")[0].GetProperty("round").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, ReportWriter.HtmlFileName)));
    }

    [Fact]
    public void Report_of_a_directory_without_runs_fails_with_one_error_line()
    {
        var empty = experiment.Scratch("empty");
        Directory.CreateDirectory(empty);

        var result = CliRunner.InProcess(["report", empty]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error:", Assert.Single(result.StderrLines));
    }

    private static void CopyTree(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
