using LatentCycles.Core.Evaluation;

namespace LatentCycles.Core.Training;

/// <summary>
/// What a run measured when <see cref="Round"/> rounds were complete: one line of metrics.csv, one entry of a
/// checkpoint's history, one progress report. "Round r" means r rounds completed everywhere — the console, metrics.csv,
/// checkpoints and <c>eval --round</c> — so the first round's row is round 1.
/// </summary>
/// <param name="Round">Rounds completed, 1 for the first round's row.</param>
/// <param name="MinibatchLogLikelihood">Mean log p(x) over the round's minibatch with the chains' π̂ (nats): a cheap, noisy train estimate.</param>
/// <param name="EntropyProduction">σ of the chains' kernel estimate (nats per latent step, MODEL.md §4); null when undefined.</param>
/// <param name="SelfTransition">π-weighted mean of M(z,z) of the chains' kernel estimate.</param>
/// <param name="LargestCurrent">max |J(z,z')| of the chains' kernel estimate.</param>
/// <param name="TrainLogLikelihood">The fresh-sample evaluation's training-set figure (MODEL.md §2); only on evaluation rounds.</param>
/// <param name="TestLogLikelihood">The same on the test set.</param>
/// <param name="ChainStepsPerSecond">Chain steps of the round over its wall-clock time; null where not measured.</param>
/// <param name="Nodes">How many nodes ran the round's blocks; null where not recorded.</param>
/// <param name="ElapsedSeconds">Wall-clock seconds of training up to the end of this round, summed over the sessions of a resumed run.</param>
/// <param name="Timestamp">When the round ended (UTC).</param>
public sealed record MetricsRow(
    int Round,
    double MinibatchLogLikelihood,
    double? EntropyProduction,
    double SelfTransition,
    double LargestCurrent,
    LikelihoodEstimate? TrainLogLikelihood = null,
    LikelihoodEstimate? TestLogLikelihood = null,
    double? ChainStepsPerSecond = null,
    int? Nodes = null,
    double? ElapsedSeconds = null,
    DateTimeOffset? Timestamp = null);
