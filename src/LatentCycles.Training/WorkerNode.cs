using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using LatentCycles.Training.Actors;
using LatentCycles.Training.DataPlane;

namespace LatentCycles.Training;

/// <summary>
/// A worker process of a cluster (ARCHITECTURE.md, "Node loss", "Node join"): joins the seed nodes, runs a node
/// aggregator with one chain worker per thread, and registers it with the coordinator singleton. It keeps nothing a
/// failure could lose, so when the cluster drops it (downed) or the coordinator leaves, it starts a fresh actor system
/// and joins again, until <c>stop</c>.
/// </summary>
public static class WorkerNode
{
    public static async Task RunAsync(ClusterSettings cluster, int threads, Action<string> onNotice, CancellationToken stop)
    {
        cluster.Validate();
        if (threads < 1) throw new ArgumentException($"a worker needs at least 1 thread, got {threads}");
        if (cluster.Seeds.Count == 0) throw new ArgumentException("a worker needs --seed HOST:PORT of the coordinator");
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onStop = stop.Register(() => stopped.TrySetResult());
        while (!stop.IsCancellationRequested)
        {
            var hocon = TrainingHocon.ForWorker(threads, cluster.Hostname, cluster.Port);
            await using var dataPlane = WorkerDataPlane.Listen(cluster.Hostname, cluster.DataPort, hocon, onNotice);
            var system = ActorSystem.Create(ClusterSettings.SystemName, BootstrapSetup.Create().WithConfig(hocon).And(JoinNoiseFilter.Setup));
            var membership = Cluster.Get(system);
            var seeds = string.Join(", ", cluster.Seeds);
            onNotice($"node {membership.SelfAddress} joining {seeds} with {threads} chain threads");
            // The seeds' scheme is this node's own: akka.tcp, or akka.ssl.tcp when the remoting runs TLS (cluster-config/tls.conf).
            membership.JoinSeedNodes(cluster.SeedAddresses.Select(seed => new Address(membership.SelfAddress.Protocol, seed.System, seed.Host, seed.Port)));
            // One line per join attempt instead of the remoting's warnings (JoinNoiseFilter).
            var retry = hocon.GetTimeSpan("akka.cluster.seed-node-timeout", TimeSpan.FromSeconds(5));
            await using var waiting = new Timer(_ => onNotice($"no coordinator at {seeds} yet; trying again"), null, retry, retry);
            membership.RegisterOnMemberUp(() => waiting.Dispose());
            var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/coordinator", ClusterSingletonProxySettings.Create(system)), "coordinator-proxy");
            dataPlane.Serve(system.ActorOf(NodeAggregator.Props(threads, proxy, onNotice, dataPlane.Port), "node"));
            system.ActorOf(Props.Create(() => new CoordinatorLossWatch()), "coordinator-watch");

            var ended = await Task.WhenAny(system.WhenTerminated, stopped.Task).ConfigureAwait(false);
            if (ended == stopped.Task)
            {
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
                await system.WhenTerminated.ConfigureAwait(false);
                return;
            }
            onNotice("this node left the cluster (the coordinator is gone, or the cluster downed it); joining again");
        }
    }

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
