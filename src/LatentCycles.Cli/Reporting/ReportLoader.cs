using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// What a run directory holds for a report, as read: config.json, metrics.csv, report.json and the latest checkpoint.
/// </summary>
/// <param name="Latest">The latest checkpoint's state; null when the run has no store.</param>
/// <param name="Stored">report.json; null when there is none.</param>
internal sealed record LoadedRun(string Directory, TrainingConfig Config, string DataReference, IReadOnlyList<MetricsRow> Metrics,
    StoredRunReport? Stored, TrainingState? Latest);

/// <summary>Reads run directories for a report; computes and writes nothing (that is <see cref="ReportBuilder"/>).</summary>
internal static class ReportLoader
{
    public const string RunsDirectoryName = "runs";

    /// <summary>
    /// One run directory. The checkpoints are in DIR/run.db unless <paramref name="checkpoints"/> names their store
    /// (<c>--store</c>).
    /// </summary>
    public static LoadedRun LoadRun(string runDirectory, string? checkpoints = null)
    {
        var (config, dataReference) = RunAccess.ReadConfig(runDirectory);
        var metricsPath = Path.Combine(runDirectory, RunDirectory.MetricsFileName);
        var metrics = File.Exists(metricsPath) ? RunAccess.ReadMetrics(metricsPath) : [];
        var stored = ReportFiles.ReadRunReport(runDirectory);
        var latest = checkpoints is null && !File.Exists(Path.Combine(runDirectory, RunDirectory.StoreFileName))
            ? null
            : RunAccess.LoadState(runDirectory, round: null, checkpoints);
        return new LoadedRun(runDirectory, config, dataReference, metrics, stored, latest);
    }

    /// <summary>The run directories under an experiment's <c>runs/</c>.</summary>
    public static List<string> RunDirectories(string experimentDirectory)
    {
        var runsDirectory = Path.Combine(experimentDirectory, RunsDirectoryName);
        return Directory.Exists(runsDirectory) ? Directory.GetDirectories(runsDirectory).Where(RunAccess.HoldsRun).ToList() : [];
    }
}
