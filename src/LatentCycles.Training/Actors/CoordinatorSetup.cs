using Akka.Actor;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>Everything a coordinator needs for one run.</summary>
/// <param name="RunId">The run's identity, written into every checkpoint (config.json's <c>run_id</c>).</param>
/// <param name="Nodes">Node aggregators known from the start (one host: the local one); others register with <see cref="RegisterNode"/>.</param>
/// <param name="MinRemoteNodes">Node aggregators of other processes that must have registered before the first round.</param>
/// <param name="InCluster">Watch cluster membership: an unreachable or removed member loses its blocks at once, and a
/// round with no node left waits for one to register instead of failing.</param>
/// <param name="OnNotice">Human-readable news: nodes joining and lost, waiting for workers.</param>
/// <param name="Evaluate">Evaluates a state on the evaluator's own thread (<see cref="Evaluator"/>).</param>
/// <param name="EvaluateWhenBehind">The same evaluation free to use the thread pool, for when more evaluations are waiting;
/// null: <paramref name="Evaluate"/> always.</param>
/// <param name="OnCheckpoint">The state of each checkpoint once it is stored.</param>
internal sealed record CoordinatorSetup(
    string PersistenceId,
    Guid RunId,
    TrainingState Start,
    DataSplit Data,
    RunSettings Settings,
    IReadOnlyList<NodeShare<IActorRef>> Nodes,
    int MinRemoteNodes,
    bool InCluster,
    TimeSpan RoundTimeout,
    TimeSpan CheckpointTimeout,
    StateEvaluator Evaluate,
    Action<MetricsRow> OnProgress,
    Action<string> OnNotice,
    TaskCompletionSource<RunResult> Completion,
    Action<TrainingState>? OnCheckpoint = null,
    StateEvaluator? EvaluateWhenBehind = null);
