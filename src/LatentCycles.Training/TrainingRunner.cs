using System.Diagnostics;
using Akka.Actor;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;
using Akka.Cluster.Tools.Singleton;
using LatentCycles.Training.Actors;
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
    public static Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings,
        Action<RoundProgress> onProgress, CancellationToken stop) =>
        RunAsync(start, data, settings, null, onProgress, _ => { }, stop, EvaluateLikelihoods);

    /// <summary>
    /// As <see cref="RunAsync(TrainingState, DataSplit, RunSettings, Action{RoundProgress}, CancellationToken)"/>, as the
    /// coordinator process of a cluster: the seed node at <paramref name="cluster"/>'s hostname and port, running the
    /// coordinator as a cluster singleton and, with settings.Threads &gt; 0, a node aggregator of its own. The blocks go
    /// to every registered node; the result is bit-identical to a single-process run. <paramref name="onNotice"/> hears
    /// of nodes joining and lost.
    /// </summary>
    /// <exception cref="ArgumentException">a setting is invalid, or the configuration's statistics cannot fit a remoting frame.</exception>
    public static Task<RunResult> RunClusterAsync(TrainingState start, DataSplit data, RunSettings settings, ClusterSettings cluster,
        Action<RoundProgress> onProgress, Action<string> onNotice, CancellationToken stop) =>
        RunAsync(start, data, settings, cluster, onProgress, onNotice, stop, EvaluateLikelihoods);

    internal static Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings,
        Action<RoundProgress> onProgress, CancellationToken stop, LikelihoodEvaluator evaluate) =>
        RunAsync(start, data, settings, null, onProgress, _ => { }, stop, evaluate);

    private static async Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings, ClusterSettings? cluster,
        Action<RoundProgress> onProgress, Action<string> onNotice, CancellationToken stop, LikelihoodEvaluator evaluate)
    {
        settings.Validate(minimumThreads: cluster is null ? 1 : 0);
        cluster?.Validate();
        start.Config.Validate();
        if (data.Train.PixelCount != start.Parameters.N)
            throw new ArgumentException($"the data set has {data.Train.PixelCount} pixels per image, the model N = {start.Parameters.N}");
        var clock = Stopwatch.StartNew();
        var store = settings.StoreLocation;
        var hocon = cluster is null
            ? TrainingHocon.ForSingleHost(store, settings.Threads)
            : TrainingHocon.ForCoordinator(store, settings.Threads, cluster.Hostname, cluster.Port);
        if (cluster is not null)
        {
            RequireFrameFits(start.Config, start.Parameters.N, hocon.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 0);
            await cluster.RequirePortFreeAsync().ConfigureAwait(false);
        }
        Directory.CreateDirectory(settings.RunDirectory);
        using var writer = RunLock.Acquire(settings.RunDirectory);
        var stored = CheckpointStore.ReadCheckpoints(store, missingIsEmpty: true).LastOrDefault();
        if (stored is not null && stored.State.Config != start.Config)
            throw new RunStoreException($"{store} holds a run of another configuration ({Differences(stored.State.Config, start.Config)})");
        if (!File.Exists(Path.Combine(settings.RunDirectory, RunDirectory.ConfigFileName)))
            RunDirectory.WriteConfig(settings.RunDirectory, start.Config, data.Name);

        var system = ActorSystem.Create(ClusterSettings.SystemName, hocon);
        try
        {
            var completion = new TaskCompletionSource<RunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var roundTimeout = hocon.GetTimeSpan("latentcycles.round-timeout");
            var checkpointTimeout = hocon.GetTimeSpan("latentcycles.checkpoint-timeout");
            IActorRef coordinator;
            if (cluster is null)
            {
                var aggregator = system.ActorOf(NodeAggregator.Props(settings.Threads, profile: settings.Profile), "node");
                var setup = new CoordinatorSetup(PersistenceId, start, data, settings, [new NodeShare<IActorRef>(aggregator, settings.Threads)],
                    MinRemoteNodes: 0, InCluster: false, roundTimeout, checkpointTimeout, evaluate, onProgress, onNotice, completion);
                coordinator = system.ActorOf(Coordinator.Props(setup), "coordinator");
            }
            else
            {
                var membership = Akka.Cluster.Cluster.Get(system);
                membership.Join(membership.SelfAddress);
                var setup = new CoordinatorSetup(PersistenceId, start, data, settings, [], cluster.MinWorkers, InCluster: true,
                    roundTimeout, checkpointTimeout, evaluate, onProgress, onNotice, completion);
                system.ActorOf(ClusterSingletonManager.Props(Coordinator.Props(setup), PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system)), "coordinator");
                coordinator = system.ActorOf(ClusterSingletonProxy.Props("/user/coordinator", ClusterSingletonProxySettings.Create(system)),
                    "coordinator-proxy");
                if (settings.Threads > 0) system.ActorOf(NodeAggregator.Props(settings.Threads, coordinator, profile: settings.Profile), "node");
                onNotice($"coordinator at {membership.SelfAddress}; workers join with: latentcycles node --seed {membership.SelfAddress.Host}:{membership.SelfAddress.Port}");
            }
            await using var onStop = stop.Register(() => coordinator.Tell(Protocol.StopRequested.Instance));
            var result = await completion.Task.ConfigureAwait(false);
            return result with { WallSeconds = clock.Elapsed.TotalSeconds };
        }
        finally
        {
            if (cluster is not null)
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
            await system.Terminate().ConfigureAwait(false);
        }
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
                $"K = {config.K}, N = {n} with {config.Chains} chains needs messages of up to {largest:F0} bytes, above the remoting frame of {frameBytes} bytes; raise akka.remote.dot-netty.tcp.maximum-frame-size (see {TrainingHocon.OverridesVariable})"));
    }

    /// <summary>
    /// Test and train mean log-likelihood from one fresh-sample kernel estimate (MODEL.md §2), drawn from the Evaluation
    /// streams of (seed, round), so it is reproducible and independent of the training chains.
    /// </summary>
    internal static (LikelihoodFigure Train, LikelihoodFigure Test) EvaluateLikelihoods(TrainingState state, DataSplit data)
    {
        var options = new EvaluationOptions(state.Config.Seed, (uint)state.Round);
        var test = ModelEvaluator.Evaluate(state.Parameters, data.Test, options);
        var train = ModelEvaluator.Evaluate(state.Parameters, data.Train, options with { Kernel = test.Kernel });
        return (Figure(train.Likelihood), Figure(test.Likelihood));
    }

    private static LikelihoodFigure Figure(LikelihoodEstimate estimate) => new(estimate.MeanNats, estimate.StandardErrorNats);

    /// <summary>The settings in which two configurations differ, e.g. "Seed 5 there, 6 here".</summary>
    private static string Differences(TrainingConfig stored, TrainingConfig given) =>
        string.Join(", ", typeof(TrainingConfig).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => (p.Name, Stored: p.GetValue(stored), Given: p.GetValue(given)))
            .Where(d => !Equals(d.Stored, d.Given))
            .Select(d => FormattableString.Invariant($"{d.Name} {d.Stored} there, {d.Given} here")));
}
