using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using LatentCycles.Training.Actors;
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
    public static async Task RunAsync(ClusterSettings cluster, int threads, string logFile, Action<string> onNotice, CancellationToken stop)
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
            var host = await ActorSystemHost.StartAsync(options, akka => akka
                .WithSingletonProxy<CoordinatorProxy>("coordinator", ActorSystemHost.CoordinatorSingleton)
                .WithActors((system, registry) =>
                {
                    system.ActorOf(NodeAggregator.Props(threads, registry.Get<CoordinatorProxy>(), onNotice), "node");
                    system.ActorOf(Props.Create(() => new CoordinatorLossWatch()), "coordinator-watch");
                })).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                onNotice($"node {Cluster.Get(host.System).SelfAddress} joining {string.Join(", ", cluster.Seeds)} with {threads} chain threads");
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
                if (m.Member.HasRole("coordinator"))
                    CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            });
        }

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, typeof(ClusterEvent.MemberRemoved));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
