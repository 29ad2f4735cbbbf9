using System.CommandLine;
using System.Globalization;
using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Training;
using Spectre.Console;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles report DIR</c>: (re)draws the figures and writes report.md and report.html of a run directory — an
/// experiment directory (runs under <c>runs/</c>) or a single <c>train</c> run (metrics.csv, config.json, latest checkpoint).
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Experiment directory or run directory" };
        var store = CheckpointOptions.Store();
        var force = CommandConventions.ForceOption();
        var json = CommandConventions.JsonOption();
        var command = new Command("report", "Draw the figures and write report.md and report.html of an experiment or a run") { directory, store, force, json };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            RunAccess.RequireRunDirectory(path);
            var output = parseResult.InvocationConfiguration.Output;
            var loader = new ReportLoader(output);
            ExperimentReport report;
            var checkpoints = parseResult.GetValue(store);
            if (RunAccess.HoldsRun(path))
                report = loader.LoadSingleRun(path, checkpoints);
            else
            {
                var first = Directory.Exists(Path.Combine(path, ReportLoader.RunsDirectoryName))
                    ? Directory.GetDirectories(Path.Combine(path, ReportLoader.RunsDirectoryName)).FirstOrDefault(RunAccess.HoldsRun)
                    : null;
                if (checkpoints is not null) throw new CliException($"--store names the checkpoints of one run; {path} is not a run directory");
                if (first is null) throw new CliException($"{path}: neither a run directory nor an experiment with {ReportLoader.RunsDirectoryName}/");
                var (config, dataReference) = RunAccess.ReadConfig(first);
                var configs = Directory.GetDirectories(Path.Combine(path, ReportLoader.RunsDirectoryName)).Where(RunAccess.HoldsRun)
                    .Select(d => RunAccess.ReadConfig(d).Config).ToList();
                var seeds = configs.Select(c => c.Seed).Distinct().Order().ToList();
                report = loader.LoadExperiment(path, "Nonequilibrium latent cycles against the RBM: likelihood training experiment",
                    ReportLoader.Describe(config, loader.Data(dataReference), seeds, withRbm: configs.Any(c => c.Model == ModelKind.Rbm)));
            }
            Summarize(report, ReportWriter.Write(path, report, parseResult.GetValue(force)), path, parseResult.GetValue(json), output);
            return 0;
        });
        return command;
    }

    /// <summary>Prints the model table and the files written; with <paramref name="json"/> also the summary as one JSON line.</summary>
    internal static void Summarize(ExperimentReport report, IReadOnlyList<string> written, string directory, bool json, TextWriter output)
    {
        var table = ReportWriter.ModelTable(report);
        var console = Consoles.For(output, interactive: false);
        console.Profile.Width = 200;
        var grid = new Table();
        foreach (var header in table.Headers) grid.AddColumn(Markup.Escape(header));
        foreach (var row in table.Rows) grid.AddRow(row.Select(Markup.Escape).ToArray());
        console.Write(grid);
        output.WriteLine($"report: {Path.GetFullPath(Path.Combine(directory, ReportWriter.MarkdownFileName))} and {ReportWriter.HtmlFileName}, " +
                         $"{written.Count(p => p.EndsWith(".png", StringComparison.Ordinal))} figures in {ReportWriter.FigureDirectory}/");
        if (!json) return;
        var ceiling = ModelSummary.Ceiling(report);
        CommandConventions.WriteJsonLine(output, new
        {
            Directory = Path.GetFullPath(directory),
            ReportMarkdown = Path.GetFullPath(Path.Combine(directory, ReportWriter.MarkdownFileName)),
            ReportHtml = Path.GetFullPath(Path.Combine(directory, ReportWriter.HtmlFileName)),
            Figures = written.Where(p => p.EndsWith(".png", StringComparison.Ordinal)).Select(Path.GetFileName).ToList(),
            CeilingTestLlNats = ceiling?.Mean,
            Models = ModelSummary.ByModel(report).Select(m => new
            {
                m.Model,
                m.Runs,
                m.EvaluatedRuns,
                TestLlNats = m.TestLogLikelihood?.Mean,
                TestLlSdNats = m.TestLogLikelihood?.StandardDeviation,
                GapToCeilingNats = m.GapToCeiling,
                EntropyProductionNats = m.EntropyProduction?.Mean,
                SelfTransition = m.SelfTransition?.Mean,
                ClassKlNats = m.ClassKl?.Mean,
                WallSeconds = m.WallSeconds?.Mean,
            }).ToList(),
            Runs = report.Runs.Select(r => new
            {
                r.Model,
                r.Seed,
                Round = r.Final?.Round,
                TestLlNats = r.Final?.TestLogLikelihood,
                TestLlSeNats = r.Final?.TestLogLikelihoodError,
                EntropyProductionNats = r.Final?.Observables.EntropyProduction,
                SelfTransition = r.Final?.Observables.MeanSelfTransition,
                ClassKlNats = r.Final?.ClassKl,
                r.WallSeconds,
            }).ToList(),
        });
    }
}
