using System.Globalization;
using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Dashboard;

/// <summary>The dashboard's view of what training reports and of what a run directory recorded.</summary>
internal static class DashboardRounds
{
    /// <summary>A metrics row as the runner reports it or metrics.csv holds it.</summary>
    public static RoundPoint From(MetricsRow row) => new(
        row.Round,
        row.ElapsedSeconds,
        row.MinibatchLogLikelihood,
        row.TestLogLikelihood?.MeanNats, row.TestLogLikelihood?.StandardErrorNats,
        row.TrainLogLikelihood?.MeanNats, row.TrainLogLikelihood?.StandardErrorNats,
        row.EntropyProduction,
        row.SelfTransition,
        row.ChainStepsPerSecond,
        row.Nodes);

    /// <summary>One line on what the run computes, e.g. "neq two-step, K 10, 2000 chains, seed 1, mnist10k".</summary>
    public static string Describe(TrainingConfig config, string data) =>
        string.Create(CultureInfo.InvariantCulture, $"{RunNaming.Describe(config)}, K {config.K}, {config.Chains} chains, seed {config.Seed}, {data}");
}
