using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.DataPlane;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Training;

/// <summary>
/// A worker process of a cluster (docs/ARCHITECTURE.md, "Cluster"): joins the seed nodes, runs a node
/// aggregator with one chain worker per thread, and registers it with the coordinator singleton. It keeps nothing a
/// failure could lose, so when the cluster drops it (downed) or the coordinator leaves, it starts a fresh actor system
/// and joins again, until <c>stop</c>.
/// </summary>
public static class WorkerNode
{
    /// <param name="logFile">Where Akka's log goes (association failures, membership changes); the console keeps <paramref name="onNotice"/>'s lines.</param>
    /// <param name="profile">Times this worker's phases of every assignment it serves (<c>node --profile</c>) when given.</param>
    public static async Task RunAsync(ClusterSettings cluster, int threads, string logFile, Action<string> onNotice, CancellationToken stop,
        RoundProfile? profile = null)
    {
        cluster.Validate();
        if (threads < 1) throw new ArgumentException($"a worker needs at least 1 thread, got {threads}");
        if (cluster.Seeds.Count == 0) throw new ArgumentException("a worker needs --seed HOST:PORT of the coordinator");
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onStop = stop.Register(() => stopped.TrySetResult());
        var options = new ActorSystemOptions
        {
            Threads = threads,
            Cluster = new ClusterMembership(ClusterRole.Worker, cluster),
            LogFile = Path.GetFullPath(logFile),
            Overrides = OperatorOverrides.Load(),
        };
        while (!stop.IsCancellationRequested)
        {
            await using var dataPlane = WorkerDataPlane.Listen(cluster.Hostname, cluster.DataPort, ActorSystemHost.DataPlaneConfig(options.Overrides), onNotice);
            var host = await ActorSystemHost.StartAsync(options, akka => akka
                .AddSetup(JoinNoiseFilter.Setup)
                .WithSingletonProxy<CoordinatorProxy>("coordinator", ActorSystemHost.CoordinatorSingleton)
                .WithActors((system, registry) =>
                {
                    dataPlane.Serve(system.ActorOf(NodeAggregator.Props(threads, registry.Get<CoordinatorProxy>(), onNotice, dataPlane.Port, profile), "node"), profile);
                    system.ActorOf(Props.Create(() => new CoordinatorLossWatch()), "coordinator-watch");
                })).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                var membership = Cluster.Get(host.System);
                var seeds = string.Join(", ", cluster.Seeds);
                onNotice($"node {membership.SelfAddress} joining {seeds} with {threads} chain threads (Akka's log: {options.LogFile})");
                // One line per join attempt instead of the remoting's warnings (JoinNoiseFilter).
                var retry = host.System.Settings.Config.GetTimeSpan("akka.cluster.seed-node-timeout", TimeSpan.FromSeconds(5));
                await using var waiting = new Timer(_ => onNotice($"no coordinator at {seeds} yet; trying again"), null, retry, retry);
                membership.RegisterOnMemberUp(() => waiting.Dispose());
                var ended = await Task.WhenAny(host.System.WhenTerminated, stopped.Task).ConfigureAwait(false);
                if (ended == stopped.Task) return;
            }
            onNotice("this node left the cluster (the coordinator is gone, or the cluster downed it); joining again");
        }
    }

    /// <summary>The registry key of this node's proxy to the coordinator singleton.</summary>
    private sealed class CoordinatorProxy;

    /// <summary>Leaves the cluster when the coordinator's member is removed, so the worker joins the next coordinator.</summary>
    private sealed class CoordinatorLossWatch : ReceiveActor
    {
        public CoordinatorLossWatch()
        {
            Receive<ClusterEvent.MemberRemoved>(m =>
            {
                if (m.Member.HasRole(ActorSystemHost.RoleName(ClusterRole.Coordinator)))
                    CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            });
        }

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, typeof(ClusterEvent.MemberRemoved));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
