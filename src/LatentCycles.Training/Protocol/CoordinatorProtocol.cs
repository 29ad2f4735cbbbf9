using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>
/// The coordinator's snapshot: the training state after <c>State.Round</c> rounds and the metrics rows of those rounds,
/// so a resumed run rewrites metrics.csv without the rows a killed run wrote after its last checkpoint.
/// </summary>
/// <param name="RunId">The run that wrote it (config.json's <c>run_id</c>), so a store copied into another run's
/// directory is recognized; null for checkpoints of formats that did not record it.</param>
public sealed record Checkpoint(TrainingState State, Guid? RunId, IReadOnlyList<MetricsRow> History) : ITrainingMessage;

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

/// <summary>
/// Node aggregator → coordinator (the sender is the aggregator): take me into the rounds, I run <paramref name="Threads"/>
/// chain workers. Sent again every few seconds (<see cref="Hosting.TrainingTimeouts.RegistrationInterval"/>), so a coordinator
/// that started, moved or restarted later learns every node, and one that dropped a node takes it back; repeats are no-ops.
/// </summary>
/// <param name="DataPort">Where the node's data plane listens (docs/CLUSTER.md, "Data plane"), on the host of its
/// actor system's address; the coordinator connects there before it takes the node into the rounds. 0: the node's
/// rounds travel as actor messages.</param>
public sealed record RegisterNode(int Threads, int DataPort = 0) : ITrainingMessage;

/// <summary>Coordinator → node aggregator: registered; blocks come from the current round if some are unassigned, else the next.</summary>
public sealed record NodeRegistered : ITrainingMessage
{
    public static NodeRegistered Instance { get; } = new();
}
