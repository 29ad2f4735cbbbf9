using System.Globalization;
using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Dashboard;

/// <summary>The dashboard's view of what training reports and of what a run directory recorded.</summary>
internal static class DashboardRounds
{
    /// <summary>A round as the runner reports it, with the session's elapsed time.</summary>
    public static RoundPoint From(RoundProgress progress, TimeSpan elapsed) => new(
        progress.Metrics.Round + 1,
        elapsed.TotalSeconds,
        progress.Metrics.MinibatchLogLikelihood,
        progress.TestLogLikelihood?.MeanNats, progress.TestLogLikelihood?.StandardErrorNats,
        progress.TrainLogLikelihood?.MeanNats, progress.TrainLogLikelihood?.StandardErrorNats,
        progress.Metrics.EntropyProduction,
        progress.Metrics.SelfTransition,
        progress.ChainStepsPerSecond,
        progress.Nodes);

    /// <summary>The rows of a run's metrics.csv.</summary>
    public static IEnumerable<RoundPoint> From(IEnumerable<RoundRecord> rows) => rows.Select(r => new RoundPoint(
        r.Round + 1, null, r.MinibatchLogLikelihood,
        r.TestLogLikelihood, r.TestLogLikelihoodError, r.TrainLogLikelihood, r.TrainLogLikelihoodError,
        r.EntropyProduction, r.SelfTransition, r.ChainStepsPerSecond, null));

    /// <summary>One line on what the run computes, e.g. "neq two-step, K 10, 2000 chains, seed 1, mnist10k".</summary>
    public static string Describe(TrainingConfig config, string data) =>
        string.Create(CultureInfo.InvariantCulture, $"{RunNaming.Describe(config)}, K {config.K}, {config.Chains} chains, seed {config.Seed}, {data}");
}
