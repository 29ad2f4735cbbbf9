namespace LatentCycles.Cli.Reporting;

/// <summary>A mean over runs with the sample standard deviation (null for a single run).</summary>
public sealed record Spread(double Mean, double? StandardDeviation, int Count)
{
    /// <summary>Null for no values.</summary>
    public static Spread? Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var mean = values.Average();
        if (values.Count == 1) return new Spread(mean, null, 1);
        return new Spread(mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)), values.Count);
    }
}

/// <summary>
/// What the report says about one model over its seeds: final test log-likelihood (nats/image) and its gap to the mean
/// EM-ceiling test log-likelihood, entropy production (nats/step), mean self-transition, class-histogram KL (nats), wall
/// time (s). Null where no run has the value.
/// </summary>
public sealed record ModelSummary(
    string Model,
    int Runs,
    int EvaluatedRuns,
    Spread? TestLogLikelihood,
    double? GapToCeiling,
    Spread? EntropyProduction,
    Spread? SelfTransition,
    Spread? ClassKl,
    Spread? WallSeconds)
{
    public static IReadOnlyList<ModelSummary> ByModel(ExperimentReport report)
    {
        var ceiling = Ceiling(report);
        var summaries = new List<ModelSummary>();
        foreach (var model in report.Models)
        {
            var runs = report.Runs.Where(r => r.Model == model).ToList();
            var finals = runs.Where(r => r.Final is not null).Select(r => r.Final!).ToList();
            var likelihood = Spread.Of(finals.Select(f => f.TestLogLikelihood).ToList());
            summaries.Add(new ModelSummary(
                model, runs.Count, finals.Count, likelihood,
                likelihood is not null && ceiling is not null ? likelihood.Mean - ceiling.Mean : null,
                Spread.Of(finals.Where(f => f.Observables.EntropyProduction is not null).Select(f => f.Observables.EntropyProduction!.Value).ToList()),
                Spread.Of(finals.Select(f => f.Observables.MeanSelfTransition).ToList()),
                Spread.Of(finals.Where(f => f.ClassKl is not null).Select(f => f.ClassKl!.Value).ToList()),
                Spread.Of(runs.Where(r => r.WallSeconds is not null).Select(r => r.WallSeconds!.Value).ToList())));
        }
        return summaries;
    }

    /// <summary>The EM ceiling's test log-likelihood over seeds; null when no EM fit is part of the report.</summary>
    public static Spread? Ceiling(ExperimentReport report) => Spread.Of(report.Ceilings.Select(c => c.TestLogLikelihood).ToList());
}
