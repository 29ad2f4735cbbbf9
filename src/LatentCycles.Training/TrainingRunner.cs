using System.Diagnostics;
using Akka.Actor;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using LatentCycles.Training.Actors;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Training;

/// <summary>Runs the actor trainer on one host: a coordinator, one node aggregator and one chain worker per thread.</summary>
public static class TrainingRunner
{
    /// <summary>The persistence id of the coordinator: one run per store.</summary>
    internal const string PersistenceId = "latentcycles-run";

    /// <summary>
    /// A new run (empty store: starts from <paramref name="start"/>) or a resume (the store holds checkpoints of the same
    /// configuration: continues from the latest, recomputing the rounds after it bit for bit). Runs until config.Rounds;
    /// <paramref name="stop"/> cancelled → finishes the round in flight, checkpoints, returns Stopped. A NaN/∞ gradient →
    /// Diverged with the last good checkpoint's state. Writes metrics.csv (rewritten from the checkpoint on resume) and
    /// config.json (if absent) in the run directory.
    /// </summary>
    /// <exception cref="RunStoreException">the store is not a LatentCycles store, or holds a run of another configuration (the file is left untouched).</exception>
    /// <exception cref="RunLockedException">another process writes to the run directory.</exception>
    /// <exception cref="TimeoutException">a round's statistics or a checkpoint write did not arrive in time.</exception>
    /// <param name="onCheckpoint">Hears of each stored checkpoint's state (the dashboard draws its model).</param>
    public static Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings,
        Action<MetricsRow> onProgress, CancellationToken stop, Action<TrainingState>? onCheckpoint = null) =>
        RunAsync(start, data, settings, null, onProgress, _ => { }, stop, onCheckpoint);

    /// <summary>
    /// As <see cref="RunAsync(TrainingState, DataSplit, RunSettings, Action{MetricsRow}, CancellationToken)"/>, as the
    /// coordinator process of a cluster: the seed node at <paramref name="cluster"/>'s hostname and port, running the
    /// coordinator as a cluster singleton and, with settings.Threads &gt; 0, a node aggregator of its own. The blocks go
    /// to every registered node; the result is bit-identical to a single-process run. <paramref name="onNotice"/> hears
    /// of nodes joining and lost.
    /// </summary>
    /// <exception cref="ArgumentException">a setting is invalid, or the configuration's statistics cannot fit a remoting frame.</exception>
    public static Task<RunResult> RunClusterAsync(TrainingState start, DataSplit data, RunSettings settings, ClusterSettings cluster,
        Action<MetricsRow> onProgress, Action<string> onNotice, CancellationToken stop, Action<TrainingState>? onCheckpoint = null) =>
        RunAsync(start, data, settings, cluster, onProgress, onNotice, stop, onCheckpoint);

    private static async Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings, ClusterSettings? cluster,
        Action<MetricsRow> onProgress, Action<string> onNotice, CancellationToken stop, Action<TrainingState>? onCheckpoint)
    {
        settings.Validate(minimumThreads: cluster is null ? 1 : 0);
        cluster?.Validate();
        start.Config.Validate();
        if (data.Train.PixelCount != start.Parameters.N)
            throw new ArgumentException($"the data set has {data.Train.PixelCount} pixels per image, the model N = {start.Parameters.N}");
        var clock = Stopwatch.StartNew();
        var store = settings.StoreLocation;
        var overrides = OperatorOverrides.Load();
        if (cluster is not null)
        {
            RequireFrameFits(start.Config, start.Parameters.N, ActorSystemHost.FrameBytesWith(overrides));
            await cluster.RequirePortFreeAsync().ConfigureAwait(false);
        }
        Directory.CreateDirectory(settings.RunDirectory);
        using var writer = RunLock.Acquire(settings.RunDirectory);
        var configFile = Path.Combine(settings.RunDirectory, RunDirectory.ConfigFileName);
        var recordedRunId = File.Exists(configFile) ? RunDirectory.ReadConfig(settings.RunDirectory).RunId : null;
        var stored = CheckpointStore.LatestOrNull(store, recordedRunId);
        // A start with more rounds than the store's run extends it (resume --rounds).
        if (stored is not null && !TrainingState.Extends(start.Config, stored.State.Config))
            throw new RunStoreException($"{store} holds a run of another configuration ({Differences(stored.State.Config, start.Config)})");
        var runId = recordedRunId ?? stored?.RunId ?? Guid.NewGuid();
        if (!File.Exists(configFile)) RunDirectory.WriteConfig(settings.RunDirectory, new RunConfigFile(start.Config, data.Source, runId));

        var completion = new TaskCompletionSource<RunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        StateEvaluator evaluate = state => EvaluateLikelihoods(state, data);
        CoordinatorSetup Setup(ActorSystem system, IReadOnlyList<NodeShare<IActorRef>> nodes) => new(PersistenceId, runId, start, data, settings, nodes,
            MinRemoteNodes: cluster?.MinWorkers ?? 0, InCluster: cluster is not null,
            system.Settings.Config.GetTimeSpan(TrainingTimeouts.RoundTimeoutPath), system.Settings.Config.GetTimeSpan(TrainingTimeouts.CheckpointTimeoutPath),
            evaluate, onProgress, onNotice, completion, onCheckpoint);
        var options = new ActorSystemOptions
        {
            Threads = settings.Threads,
            Store = store,
            Cluster = cluster is null ? null : new ClusterMembership(ClusterRole.Coordinator, cluster),
            LogFile = Path.Combine(settings.RunDirectory, RunDirectory.LogFileName),
            Overrides = overrides,
        };
        await using var host = await ActorSystemHost.StartAsync(options, akka =>
        {
            if (cluster is null)
            {
                akka.WithActors((system, registry) =>
                {
                    var aggregator = system.ActorOf(NodeAggregator.Props(settings.Threads, profile: settings.Profile), "node");
                    registry.Register<Coordinator>(system.ActorOf(Coordinator.Props(Setup(system, [new NodeShare<IActorRef>(aggregator, settings.Threads)])), "coordinator"));
                });
                return;
            }
            akka.WithSingleton<Coordinator>("coordinator", (system, _, _) => Coordinator.Props(Setup(system, [])),
                ActorSystemHost.CoordinatorSingleton, createProxyToo: true);
            akka.WithActors((system, registry) =>
            {
                // The coordinator is the cluster's seed node: it joins itself, and workers join it.
                var membership = Akka.Cluster.Cluster.Get(system);
                membership.Join(membership.SelfAddress);
                if (settings.Threads > 0) system.ActorOf(NodeAggregator.Props(settings.Threads, registry.Get<Coordinator>(), profile: settings.Profile), "node");
                onNotice($"coordinator at {membership.SelfAddress}; workers join with: latentcycles node --seed {membership.SelfAddress.Host}:{membership.SelfAddress.Port}");
            });
        }).ConfigureAwait(false);
        var coordinator = host.Registry.Get<Coordinator>();
        await using var onStop = stop.Register(() => coordinator.Tell(Protocol.StopRequested.Instance));
        var result = await completion.Task.ConfigureAwait(false);
        return result with { WallSeconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>
    /// Refuses a cluster run whose largest message could exceed the remoting frame (it would be dropped silently): a
    /// node's statistics, 2·K·K·N + 3·K·K varints, each at most the bytes of T·2³² with T = chains·sweeps transitions.
    /// </summary>
    internal static void RequireFrameFits(TrainingConfig config, int n, long frameBytes)
    {
        var transitions = (double)config.Chains * config.Sweeps;
        var bitsPerValue = Math.Ceiling(Math.Log2(transitions + 1)) + 33;
        var bytesPerValue = Math.Min(Varint.MaxBytesPerValue, Math.Ceiling(bitsPerValue / 7));
        var values = 2.0 * config.K * config.K * n + 3.0 * config.K * config.K;
        var worst = values * bytesPerValue + config.Chains + 64.0 * config.BlockCount + 1024;
        var parameters = 8.0 * (2.0 * config.K * n + config.K) + config.Chains + 64.0 * config.BlockCount + 1024;
        var largest = Math.Max(worst, parameters);
        if (largest > frameBytes)
            throw new ArgumentException(FormattableString.Invariant(
                $"K = {config.K}, N = {n} with {config.Chains} chains needs messages of up to {largest:F0} bytes, above the remoting frame of {frameBytes} bytes; raise akka.remote.dot-netty.tcp.maximum-frame-size (see {OperatorOverrides.Variable})"));
    }

    /// <summary>The training- and test-set headline likelihoods of the one evaluation <c>eval</c> and <c>report</c> show too.</summary>
    internal static (LikelihoodEstimate Train, LikelihoodEstimate Test) EvaluateLikelihoods(TrainingState state, DataSplit data)
    {
        var evaluation = StateEvaluation.Of(state, data, new EvaluationRequest());
        return (evaluation.Train!, evaluation.Test);
    }

    /// <summary>The settings in which two configurations differ, e.g. "Seed 5 there, 6 here".</summary>
    private static string Differences(TrainingConfig stored, TrainingConfig given) =>
        string.Join(", ", typeof(TrainingConfig).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => (p.Name, Stored: p.GetValue(stored), Given: p.GetValue(given)))
            .Where(d => !Equals(d.Stored, d.Given))
            .Select(d => FormattableString.Invariant($"{d.Name} {d.Stored} there, {d.Given} here")));
}
