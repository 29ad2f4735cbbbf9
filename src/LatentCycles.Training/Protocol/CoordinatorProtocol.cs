using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>
/// The coordinator's snapshot: the training state after <c>State.Round</c> rounds. The metrics rows of those rounds are
/// journal events (<see cref="CheckpointTaken"/>), so a snapshot's size does not grow with the run.
/// </summary>
/// <param name="RunId">The run that wrote it (config.json's <c>run_id</c>), so a store copied into another run's
/// directory is recognized; null for checkpoints of formats that did not record it.</param>
public sealed record Checkpoint(TrainingState State, Guid? RunId) : ITrainingMessage
{
    /// <summary>
    /// The metrics rows of rounds 1 to <c>State.Round</c> that checkpoints of earlier formats held themselves; empty for
    /// the current format, which stores none (<see cref="CheckpointTaken.Rows"/> hold them).
    /// </summary>
    public IReadOnlyList<MetricsRow> EarlierHistory { get; init; } = [];
}

/// <summary>
/// The event persisted with each checkpoint, just before its snapshot: the metrics rows of the rounds since the last
/// rows the journal holds (in a run's first session, since the previous checkpoint). Replaying every event rebuilds a
/// run's history; and since each snapshot has the sequence number of its event, every snapshot stays loadable by round.
/// </summary>
/// <param name="Rows">Rows in round order; they replace any rows of the same or later rounds in earlier events (those
/// came from a session killed before its checkpoint, whose rounds were computed again).</param>
public sealed record CheckpointTaken(int Round, IReadOnlyList<MetricsRow> Rows) : ITrainingMessage;

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
