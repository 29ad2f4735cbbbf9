namespace LatentCycles.Cli.Dashboard;

/// <summary>
/// One round as the dashboard's page receives it (camelCase JSON). Log-likelihoods are in nats per image with their
/// Monte Carlo standard errors; σ is in nats per latent step; null where the round did not measure the quantity.
/// </summary>
/// <param name="Round">Rounds completed (the console's and metrics.csv's round).</param>
/// <param name="EntropyProductionChains">σ of the chains' kernel estimate of this round.</param>
internal sealed record RoundPoint(
    int Round,
    double? ElapsedSeconds,
    double MinibatchLlNats,
    double? TestLlNats,
    double? TestLlSeNats,
    double? TrainLlNats,
    double? TrainLlSeNats,
    double? EntropyProductionChains,
    double SelfTransition,
    double? ChainStepsPerSecond,
    int? Nodes);
