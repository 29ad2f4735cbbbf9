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
            var builder = new ReportBuilder(output);
            var printJson = parseResult.GetValue(json);
            var replace = parseResult.GetValue(force);
            var checkpoints = parseResult.GetValue(store);
            if (RunAccess.HoldsRun(path))
            {
                var single = builder.BuildSingleRun(path, checkpoints);
                Summarize(single, ReportWriter.Write(path, single, replace).Paths, path, printJson, output);
            }
            else if (checkpoints is not null)
                throw new CliException($"--store names the checkpoints of one run; {path} is not a run directory");
            else if (IsExperiment(path))
            {
                var (report, _) = builder.BuildExperiment(path, ExperimentTitle);
                Summarize(report, ReportWriter.Write(path, report, replace).Paths, path, printJson, output);
            }
            else
            {
                var experiments = Directory.GetDirectories(path).Where(IsExperiment).Order(StringComparer.Ordinal).ToList();
                if (experiments.Count == 0)
                    throw new CliException($"{path}: neither a run directory nor an experiment with {ReportLoader.RunsDirectoryName}/ (nor a directory of experiments)");
                WriteSeveral(builder, path, experiments, replace, printJson, output);
            }
            return 0;
        });
        return command;
    }

    internal const string ExperimentTitle = "Nonequilibrium latent cycles against the RBM: likelihood training experiment";

    /// <summary>True when <paramref name="directory"/> has a <c>runs/</c> subdirectory holding at least one run.</summary>
    private static bool IsExperiment(string directory) => ReportLoader.RunDirectories(directory).Count > 0;

    /// <summary>An experiment over several data sets: each data set's report in its directory, and the report over all in <paramref name="directory"/>.</summary>
    private static void WriteSeveral(ReportBuilder builder, string directory, List<string> experiments, bool force, bool json, TextWriter output)
    {
        var combined = new CombinedReport(output);
        foreach (var experiment in experiments)
        {
            var (report, dataName) = builder.BuildExperiment(experiment, ExperimentTitle);
            combined.Add(dataName, experiment, report, ReportWriter.Write(experiment, report, force));
        }
        combined.Write(directory, force, json);
    }

    /// <summary>Prints the model table and the files written; with <paramref name="json"/> also the summary as one JSON line.</summary>
    internal static void Summarize(ExperimentReport report, IReadOnlyList<string> written, string directory, bool json, TextWriter output)
    {
        PrintModelTable(report, written, directory, output);
        if (json) CommandConventions.WriteJsonLine(output, SummaryJson(report, written, directory));
    }

    /// <summary>The model table and where the report went, as <see cref="Summarize"/> prints them.</summary>
    internal static void PrintModelTable(ExperimentReport report, IReadOnlyList<string> written, string directory, TextWriter output)
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
    }

    /// <summary>The JSON summary of one experiment's report: models with their gap to the ceiling, and runs.</summary>
    internal static object SummaryJson(ExperimentReport report, IReadOnlyList<string> written, string directory)
    {
        var ceiling = ModelSummary.Ceiling(report);
        return new
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
        };
    }
}

/// <summary>
/// The report of an experiment over several data sets (<c>experiment --data A,B</c>, or <c>report</c> of its directory):
/// each data set's model table is printed as its report is added, then <see cref="Write"/> writes the report over all.
/// </summary>
internal sealed class CombinedReport(TextWriter output)
{
    private readonly List<DataSetPart> _parts = [];
    private readonly List<object> _summaries = [];

    /// <summary>One data set's report, written to <paramref name="experiment"/>, a subdirectory of the combined report's.</summary>
    public void Add(string dataName, string experiment, ExperimentReport report, WrittenReport written)
    {
        ReportCommand.PrintModelTable(report, written.Paths, experiment, output);
        _parts.Add(new DataSetPart(dataName, Path.GetFileName(experiment), report, written.Figures));
        _summaries.Add(ReportCommand.SummaryJson(report, written.Paths, experiment));
    }

    /// <summary>The report over all parts in <paramref name="directory"/>; with <paramref name="json"/> also the summaries as one JSON line.</summary>
    public void Write(string directory, bool force, bool json)
    {
        var written = ReportWriter.WriteCombined(directory, ReportCommand.ExperimentTitle, _parts, force);
        output.WriteLine($"report over {_parts.Count} data sets: {Path.GetFullPath(written[0])} and {ReportWriter.HtmlFileName}");
        if (json) CommandConventions.WriteJsonLine(output, new { Directory = Path.GetFullPath(directory), DataSets = _summaries });
    }
}
