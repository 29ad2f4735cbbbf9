using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>One row of metrics.csv: what round <c>Metrics.Round</c> measured, and the likelihood figures of evaluation rounds.</summary>
public sealed record MetricsRow(RoundMetrics Metrics, LikelihoodFigure? TrainLogLikelihood, LikelihoodFigure? TestLogLikelihood,
    double ChainStepsPerSecond);

/// <summary>
/// The coordinator's snapshot: the training state after <c>State.Round</c> rounds and the metrics rows of those rounds,
/// so a resumed run rewrites metrics.csv without the rows a killed run wrote after its last checkpoint.
/// </summary>
public sealed record Checkpoint(TrainingState State, IReadOnlyList<MetricsRow> History) : ITrainingMessage;

/// <summary>
/// The event persisted with each checkpoint: it advances the journal's sequence number, so every snapshot has its own
/// and all of them stay loadable by round.
/// </summary>
public sealed record CheckpointTaken(int Round) : ITrainingMessage;

/// <summary>Asks the coordinator to finish the round in flight, checkpoint and stop.</summary>
public sealed record StopRequested
{
    public static StopRequested Instance { get; } = new();
}
