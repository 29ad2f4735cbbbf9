using System.Diagnostics.Metrics;

namespace LatentCycles.Cli.Dashboard;

/// <summary>
/// The run's figures as .NET metrics (observable gauges read from the <see cref="RunFeed"/> at each scrape), which the
/// dashboard's /metrics exports in Prometheus' text format. A gauge without a value yet (no evaluation so far) reports
/// nothing. One process serves one run, so the meter's name is fixed.
/// </summary>
internal sealed class RunGauges : IDisposable
{
    public const string MeterName = "LatentCycles";

    private readonly Meter _meter = new(MeterName);

    public RunGauges(RunFeed feed)
    {
        Gauge("latentcycles_round", "Rounds completed", () => feed.Latest?.Round);
        Gauge("latentcycles_test_log_likelihood_nats", "Mean test-set log-likelihood of the last evaluation, nats per image",
            () => feed.LatestEvaluated?.TestLlNats);
        Gauge("latentcycles_test_log_likelihood_standard_error_nats", "Its Monte Carlo standard error, nats",
            () => feed.LatestEvaluated?.TestLlSeNats);
        Gauge("latentcycles_train_log_likelihood_nats", "Mean training-set log-likelihood of the last evaluation, nats per image",
            () => feed.LatestEvaluated?.TrainLlNats);
        Gauge("latentcycles_train_log_likelihood_standard_error_nats", "Its Monte Carlo standard error, nats",
            () => feed.LatestEvaluated?.TrainLlSeNats);
        Gauge("latentcycles_entropy_production_chains_nats_per_step", "Entropy production of the chains' kernel estimate of the last round",
            () => feed.Latest?.EntropyProductionChains);
        Gauge("latentcycles_entropy_production_fresh_nats_per_step", "Entropy production of the latest fresh-sample kernel estimate",
            () => feed.Model?.EntropyProductionNats);
        Gauge("latentcycles_self_transition", "Mean self-transition probability of the chains' kernel estimate of the last round",
            () => feed.Latest?.SelfTransition);
        Gauge("latentcycles_chain_steps_per_second", "Chain steps per second of the last round", () => feed.Latest?.ChainStepsPerSecond);
        Gauge("latentcycles_nodes", "Nodes that ran the last round's blocks", () => feed.Latest?.Nodes);
        Gauge("latentcycles_checkpoint_age_seconds", "Seconds since the last checkpoint was stored", () => feed.CheckpointAgeSeconds);
    }

    public void Dispose() => _meter.Dispose();

    private void Gauge(string name, string description, Func<double?> read) =>
        _meter.CreateObservableGauge(name, () => read() is { } value ? [new Measurement<double>(value)] : Array.Empty<Measurement<double>>(),
            description: description);
}
