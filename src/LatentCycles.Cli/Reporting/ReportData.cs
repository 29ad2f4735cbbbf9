using LatentCycles.Core.Data;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// A trained model evaluated once at the end of its run (MODEL.md §2, §4, §5): the test log-likelihood from a fresh
/// kernel estimate, that kernel M (K×K) with its observables, the class-histogram KL of generated samples against the
/// test labels, and some of those samples.
/// </summary>
/// <param name="Round">Rounds completed by the evaluated parameters.</param>
/// <param name="TestLogLikelihood">Mean log p(x) over the test set, nats per image.</param>
/// <param name="TestLogLikelihoodError">Monte Carlo standard error of <paramref name="TestLogLikelihood"/>, nats.</param>
/// <param name="ClassKl">KL(test labels ‖ classes of generated samples) in nats; null when the data have no labels.</param>
/// <param name="Samples">Generated images for the sample grid; null when not drawn.</param>
public sealed record RunEvaluation(
    int Round,
    double TestLogLikelihood,
    double TestLogLikelihoodError,
    LatentKernel Kernel,
    NonequilibriumObservables Observables,
    double? ClassKl,
    BinaryImages? Samples);

/// <summary>One training run as the report sees it.</summary>
/// <param name="Model">The model and gradient, as <see cref="RunNaming.Describe"/> names them (e.g. "neq two-step").</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Metrics">metrics.csv, one record per round.</param>
/// <param name="Final">The end-of-run evaluation; null when the run has no checkpoint to evaluate.</param>
/// <param name="WallSeconds">Wall-clock seconds of training; null when unknown.</param>
public sealed record RunRecord(string Model, ulong Seed, IReadOnlyList<MetricsRow> Metrics, RunEvaluation? Final, double? WallSeconds)
{
    public string Label => $"{Model}, seed {Seed}";
}

/// <summary>The Bernoulli-mixture EM fit of one seed: the ceiling of the model family (MODEL.md §7), nats per image.</summary>
public sealed record CeilingRecord(ulong Seed, double TrainLogLikelihood, double TestLogLikelihood);

/// <summary>Everything a report shows: plain data, so figures and text are pure functions of it.</summary>
/// <param name="Title">Heading of the report.</param>
/// <param name="Description">One paragraph on what was run (data, K, chains, rounds, seeds).</param>
/// <param name="Runs">Every run, in the order models should be listed.</param>
/// <param name="Ceilings">The EM fits, one per seed; empty when not fitted.</param>
/// <param name="TestDigits">Real test images shown beside the generated ones; null when unavailable.</param>
public sealed record ExperimentReport(
    string Title,
    string Description,
    IReadOnlyList<RunRecord> Runs,
    IReadOnlyList<CeilingRecord> Ceilings,
    BinaryImages? TestDigits)
{
    /// <summary>The distinct models in order of first appearance.</summary>
    public IReadOnlyList<string> Models => Runs.Select(r => r.Model).Distinct().ToList();

    /// <summary>The run with the highest final test log-likelihood among those with an evaluation; null when none has one.</summary>
    public RunRecord? BestRun(string? model = null) =>
        Runs.Where(r => r.Final is not null && (model is null || r.Model == model))
            .OrderByDescending(r => r.Final!.TestLogLikelihood)
            .FirstOrDefault();
}
