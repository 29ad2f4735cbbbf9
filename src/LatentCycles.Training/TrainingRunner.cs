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
    /// Carries out <paramref name="plan"/>: a new run (empty store: starts from round 0) or a resume (continues from the
    /// latest checkpoint, recomputing the rounds after it bit for bit). On one host: a coordinator, a node aggregator and
    /// settings.Threads chain workers. With plan.Cluster, as the coordinator process of a cluster: the seed node at its
    /// hostname and port, running the coordinator as a cluster singleton and, with settings.Threads &gt; 0, a node
    /// aggregator of its own; the blocks go to every registered node, and the result is bit-identical to a single-process
    /// run. Runs until the configuration's rounds; <paramref name="stop"/> cancelled → finishes the round in flight,
    /// checkpoints, returns Stopped. A NaN/∞ gradient → Diverged with the last good checkpoint's state. Writes
    /// metrics.csv (rewritten from the checkpoint on resume).
    /// </summary>
    /// <exception cref="ArgumentException">the configuration's statistics cannot fit a remoting frame.</exception>
    /// <exception cref="RunLockedException">another process writes to the run directory.</exception>
    /// <exception cref="TimeoutException">a round's statistics or a checkpoint write did not arrive in time.</exception>
    /// <param name="onNotice">Hears of nodes joining and lost.</param>
    /// <param name="onCheckpoint">Hears of each stored checkpoint's state (the dashboard draws its model).</param>
    public static async Task<RunResult> RunAsync(RunPlan plan, Action<MetricsRow> onProgress, CancellationToken stop,
        Action<string>? onNotice = null, Action<TrainingState>? onCheckpoint = null)
    {
        var (start, data, settings, cluster) = (plan.Start, plan.Data, plan.Settings, plan.Cluster);
        onNotice ??= _ => { };
        var clock = Stopwatch.StartNew();
        SqlStoreWarmup.Begin();
        var overrides = OperatorOverrides.Load();
        if (cluster is not null)
        {
            RequireFrameFits(start.Config, start.Parameters.N, ActorSystemHost.FrameBytesWith(overrides));
            await cluster.RequirePortFreeAsync().ConfigureAwait(false);
        }
        using var writer = plan.Claim();

        var completion = new TaskCompletionSource<RunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        StateEvaluator evaluate = state => EvaluateLikelihoods(state, data, kernelThreads: 1);
        StateEvaluator evaluateWhenBehind = state => EvaluateLikelihoods(state, data, kernelThreads: null);
        CoordinatorSetup Setup(ActorSystem system, IReadOnlyList<NodeShare<IActorRef>> nodes) => new(PersistenceId, plan.RunId, start, data, settings, nodes,
            MinRemoteNodes: cluster?.MinWorkers ?? 0, InCluster: cluster is not null,
            system.Settings.Config.GetTimeSpan(TrainingTimeouts.RoundTimeoutPath), system.Settings.Config.GetTimeSpan(TrainingTimeouts.CheckpointTimeoutPath),
            evaluate, onProgress, onNotice, completion, onCheckpoint, evaluateWhenBehind);
        var options = new ActorSystemOptions
        {
            Threads = settings.Threads,
            Store = settings.StoreLocation,
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
    /// node's statistics, 2·K·K·N + 3·K·K packed longs, each at most the bytes of T·2³² with T = chains·sweeps transitions
    /// plus half a byte for its length.
    /// </summary>
    internal static void RequireFrameFits(TrainingConfig config, int n, long frameBytes)
    {
        var transitions = (double)config.Chains * config.Sweeps;
        var bitsPerValue = Math.Ceiling(Math.Log2(transitions + 1)) + 33;
        var bytesPerValue = Math.Min(8, Math.Ceiling(bitsPerValue / 8)) + 0.5;
        var values = 2.0 * config.K * config.K * n + 3.0 * config.K * config.K;
        var worst = values * bytesPerValue + config.Chains + 64.0 * config.BlockCount + 1024;
        var parameters = 8.0 * (2.0 * config.K * n + config.K) + config.Chains + 64.0 * config.BlockCount + 1024;
        var largest = Math.Max(worst, parameters);
        if (largest > frameBytes)
            throw new ArgumentException(FormattableString.Invariant(
                $"K = {config.K}, N = {n} with {config.Chains} chains needs messages of up to {largest:F0} bytes, above the remoting frame of {frameBytes} bytes; raise {ActorSystemHost.FramePath} (see {OperatorOverrides.Variable})"));
    }

    /// <summary>
    /// The training- and test-set headline likelihoods of the one evaluation <c>eval</c> and <c>report</c> show too, the
    /// kernel estimate's draws on at most <paramref name="kernelThreads"/> threads (null: the thread pool's). The figures
    /// are the same either way.
    /// </summary>
    internal static (LikelihoodEstimate Train, LikelihoodEstimate Test) EvaluateLikelihoods(TrainingState state, DataSplit data, int? kernelThreads)
    {
        var evaluation = StateEvaluation.Of(state, data, new EvaluationRequest(KernelThreads: kernelThreads));
        return (evaluation.Train!, evaluation.Test);
    }
}
