using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Training;

/// <summary>
/// Everything a run needs to continue (docs/ARCHITECTURE.md, "Checkpoints"): configuration, the number of
/// completed rounds, parameters, optimizer state, and the latent state of every chain (one byte each).
/// Random streams are counter-based, so no generator state is needed: a state restored from a checkpoint
/// continues exactly as the run that wrote it.
/// </summary>
public sealed class TrainingState
{
    public TrainingState(TrainingConfig config, int round, ModelParameters parameters, OptimizerState optimizer, byte[] chainStates)
    {
        if (chainStates.Length != config.Chains) throw new ArgumentException($"expected {config.Chains} chain states, got {chainStates.Length}");
        if (parameters.K != config.K) throw new ArgumentException("parameters and configuration differ in K");
        if (optimizer.SecondMoment.Length != parameters.Length) throw new ArgumentException("optimizer state does not match the parameters");
        Config = config;
        Round = round;
        Parameters = parameters;
        Optimizer = optimizer;
        ChainStates = chainStates;
    }

    public TrainingConfig Config { get; }

    /// <summary>Rounds completed; the next round to run has this index.</summary>
    public int Round { get; }

    public ModelParameters Parameters { get; }
    public OptimizerState Optimizer { get; }

    /// <summary>Latent state z of every chain at the start of round <see cref="Round"/>.</summary>
    public byte[] ChainStates { get; }

    public bool IsFinished => Round >= Config.Rounds;

    /// <summary>
    /// The same state in a run of <paramref name="rounds"/> rounds: how a run is extended. Nothing a round computes
    /// depends on the number of rounds, so the extended run goes on exactly as a run planned that long from the start.
    /// </summary>
    public TrainingState WithRounds(int rounds) => new(Config with { Rounds = rounds }, Round, Parameters, Optimizer, ChainStates);

    /// <summary>True when <paramref name="longer"/> is this run's configuration with the same or more rounds.</summary>
    public static bool Extends(TrainingConfig longer, TrainingConfig stored) =>
        longer.Rounds >= stored.Rounds && (stored with { Rounds = longer.Rounds }) == longer;

    /// <summary>
    /// The state before round 0: parameters initialized from the training data (MODEL.md §3, "Initialization"), chains started
    /// in uniformly drawn latent states. For the RBM the parameters are tied (W = Lᵀ, b = c). The configuration must be
    /// valid (<see cref="TrainingConfig.Validate"/>; a run's is checked once, when it is planned).
    /// </summary>
    public static TrainingState Start(TrainingConfig config, BinaryImages train)
    {
        var parameters = ModelParameters.Initialize(config.K, train.PixelMeans(), config.Seed,
            config.InitNoise, config.InitNoise, config.DecoderSmoothing);
        if (config.Model == ModelKind.Rbm) parameters.TieEncoderToDecoder();
        var rng = new CounterRandom(config.Seed, StreamPurpose.Initialization, 1, 0, 0);
        var states = new byte[config.Chains];
        for (var c = 0; c < states.Length; c++) states[c] = (byte)rng.NextInt(config.K);
        return new TrainingState(config, 0, parameters, new OptimizerState(parameters.Length), states);
    }
}
