using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LatentCycles.Training.Hosting;

/// <summary>
/// One process's actor system, configured with Akka.Hosting's typed options and run by a .NET generic host: the binary
/// serializer, the chain workers' dispatcher, Akka's log (<see cref="AkkaLog"/>), the checkpoint store, remoting and
/// clustering as <see cref="ActorSystemOptions"/> asks, then the caller's actors, then the operator's HOCON over all of
/// it. Signals are not the host's business: the caller decides when a run stops, because a stop must first finish the
/// round and write a checkpoint (docs/ARCHITECTURE.md, "Stopping"). Disposing runs Akka's coordinated shutdown.
/// </summary>
public sealed class ActorSystemHost : IAsyncDisposable
{
    /// <summary>Dispatcher of the chain workers: dedicated threads (<see cref="DedicatedThreads"/>) as many as <see cref="ActorSystemOptions.Threads"/>.</summary>
    public const string ChainDispatcher = "latentcycles.chain-dispatcher";

    /// <summary>Dispatcher of the coordinator's evaluator: one dedicated thread, so an evaluation never holds up a round's messages.</summary>
    public const string EvaluationDispatcher = "latentcycles.evaluation-dispatcher";

    /// <summary>Where <see cref="AkkaLog"/> finds its file; empty for stderr.</summary>
    internal const string LogFilePath = "latentcycles.log-file";

    /// <summary>
    /// Remote frame and socket buffers. One round sends each node its parameters (2·K·N + K doubles: 125 kB for K = 10,
    /// N = 784) and gets back its statistics (about 0.35 MB there, 1.1 MB at worst); an oversized message is dropped
    /// silently, so the frame is generous and the coordinator refuses configurations whose worst case does not fit.
    /// </summary>
    public const long FrameBytes = 32_000_000;

    /// <summary>The remoting setting of the frame limit, which the data plane shares.</summary>
    internal const string FramePath = "akka.remote.dot-netty.tcp.maximum-frame-size";

    private readonly IHost _host;

    private ActorSystemHost(IHost host, ActorSystem system)
    {
        _host = host;
        System = system;
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    public ActorSystem System { get; }

    /// <summary>The actors the caller registered while starting (e.g. the coordinator singleton's proxy).</summary>
    public IReadOnlyActorRegistry Registry { get; }

    /// <summary>The remoting frame a process started with <paramref name="overrides"/> will have.</summary>
    public static long FrameBytesWith(Config overrides) => overrides.HasPath(FramePath) ? overrides.GetByteSize(FramePath) ?? FrameBytes : FrameBytes;

    /// <summary>
    /// The remoting settings a cluster process started with <paramref name="overrides"/> will have (frame, TLS), for the
    /// worker's data plane, which listens before the actor system starts.
    /// </summary>
    internal static Config DataPlaneConfig(Config overrides) =>
        overrides.WithFallback(ConfigurationFactory.ParseString($"{FramePath} = {FrameBytes}b"));

    /// <summary>Starts the actor system; <paramref name="actors"/> adds the process's actors (WithActors, WithSingleton…).</summary>
    /// <exception cref="ArgumentException">the system cannot start (e.g. the address cannot be bound); the details are in the log file.</exception>
    public static async Task<ActorSystemHost> StartAsync(ActorSystemOptions options, Action<AkkaConfigurationBuilder>? actors = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IHostLifetime, CallerControlledLifetime>();
        builder.Services.AddAkka(ClusterSettings.SystemName, akka =>
        {
            Configure(akka, options);
            actors?.Invoke(akka);
            akka.AddHocon(options.Overrides, HoconAddMode.Prepend);
        });
        var host = builder.Build();
        ActorSystem system;
        try
        {
            // Created here rather than inside host.StartAsync, which would print a start failure's stack trace to stdout.
            system = host.Services.GetRequiredService<ActorSystem>();
        }
        catch (Exception e)
        {
            host.Dispose();
            if (options.LogFile is not null) AkkaLog.Append(options.LogFile, $"the actor system did not start: {e}");
            throw new ArgumentException($"the actor system could not start{Where(options)}: {Innermost(e)}", e);
        }
        await host.StartAsync().ConfigureAwait(false);
        return new ActorSystemHost(host, system);
    }

    /// <summary>Leaves the cluster (if any) and terminates the actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        await System.WhenTerminated.ConfigureAwait(false);
        _host.Dispose();
    }

    private static void Configure(AkkaConfigurationBuilder akka, ActorSystemOptions options)
    {
        akka.ConfigureLoggers(log =>
        {
            log.LogLevel = LogLevel.WarningLevel;
            log.ClearLoggers();
            log.AddLogger<AkkaLog>();
            log.DeadLetterOptions = new DeadLetterOptions { ShouldLog = TriStateValue.None, LogDuringShutdown = false };
        });
        akka.AddHocon(Quoted(LogFilePath, options.LogFile ?? ""), HoconAddMode.Prepend);
        // Akka's own startup logger writes to stdout before AkkaLog runs; start failures reach the caller as exceptions instead.
        akka.AddHocon("akka.stdout-loglevel = OFF", HoconAddMode.Prepend);
        // A failing top-level actor ends the run (the coordinator reports why) instead of restarting with lost state.
        akka.AddHocon("akka.actor.guardian-supervisor-strategy = \"Akka.Actor.StoppingSupervisorStrategy\"", HoconAddMode.Prepend);
        // Akka's own SIGTERM hook would shut the system down mid-round; the program's signal handler asks for a clean stop.
        akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
        akka.AddHocon(DispatcherConfig(options.Threads), HoconAddMode.Prepend);
        akka.AddHocon(TrainingTimeouts.Defaults, HoconAddMode.Append);
        akka.WithCustomSerializer("latentcycles", [typeof(ITrainingMessage)], system => new TrainingMessageSerializer(system));
        if (options.Store is { } store)
        {
            akka.WithSqlPersistence(store.ConnectionString,
                store.Kind == StoreKind.Sqlite ? LinqToDB.ProviderName.SQLiteMS : LinqToDB.ProviderName.PostgreSQL15,
                autoInitialize: true);
        }
        if (options.Cluster is { } cluster)
            ConfigureCluster(akka, cluster, options.Overrides.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
    }

    private static void ConfigureCluster(AkkaConfigurationBuilder akka, ClusterMembership membership, bool tls)
    {
        var settings = membership.Settings;
        var role = RoleName(membership.Role);
        akka.WithRemoting(new RemoteOptions
        {
            HostName = settings.Hostname,
            // A node bound to every interface is reached at a real address, never at 0.0.0.0.
            PublicHostName = ClusterSettings.Advertised(settings.Hostname),
            Port = settings.Port,
            MaxFrameSize = FrameBytes,
            SendBufferSize = FrameBytes,
            ReceiveBufferSize = FrameBytes,
        });
        akka.WithClustering(new ClusterOptions
        {
            Roles = [role],
            // The coordinator is the cluster's seed and joins itself (ClusterRole.Coordinator callers do, once its port is bound).
            // Seeds speak this node's own scheme: akka.ssl.tcp when the remoting runs TLS (cluster-config/tls.conf).
            SeedNodes = settings.SeedAddresses.Select(a => (tls ? a.WithProtocol("akka.ssl.tcp") : a).ToString()).ToArray(),
            // Counting only coordinator members, the side that holds the coordinator is the majority: a partition or a
            // dead worker never downs the coordinator, and workers cut off from it are downed and join again.
            SplitBrainResolver = new KeepMajorityOption { Role = RoleName(ClusterRole.Coordinator) },
            // A worker killed mid-round is noticed as unreachable within a few seconds; its blocks go to the others at once.
            FailureDetector = new PhiAccrualFailureDetectorOptions { AcceptableHeartbeatPause = TimeSpan.FromSeconds(4) },
        });
        akka.AddHocon("akka.cluster.split-brain-resolver.stable-after = 7s", HoconAddMode.Prepend);
    }

    /// <summary>The coordinator runs as a cluster singleton on the only member with this role.</summary>
    public static string RoleName(ClusterRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Settings for the coordinator singleton and its proxies: on the coordinator's member, asked for every second.</summary>
    public static ClusterSingletonOptions CoordinatorSingleton => new()
    {
        Role = RoleName(ClusterRole.Coordinator),
        SingletonIdentificationInterval = TimeSpan.FromSeconds(1),
        // A worker started before its coordinator is normal; the node command says when it has registered.
        LogSingletonIdentificationFailure = false,
    };

    private static Config DispatcherConfig(int threads) => ConfigurationFactory.ParseString($$"""
        {{ChainDispatcher}} {
          type = Dispatcher
          executor = "{{typeof(DedicatedThreadsConfigurator).AssemblyQualifiedName}}"
          throughput = 1
          dedicated-threads.thread-count = {{Math.Max(threads, 1)}}
        }
        {{EvaluationDispatcher}} {
          type = Dispatcher
          executor = "{{typeof(DedicatedThreadsConfigurator).AssemblyQualifiedName}}"
          dedicated-threads.thread-count = 1
        }
        """);

    /// <summary>A HOCON quoted string (JSON escaping), so paths with spaces, quotes or backslashes survive.</summary>
    private static Config Quoted(string path, string value) =>
        ConfigurationFactory.ParseString(path + " = " + JsonSerializer.Serialize(value));

    private static string Where(ActorSystemOptions options) =>
        options.Cluster is { } c ? $" on {c.Settings.Hostname}:{c.Settings.Port}" : "";

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message.ReplaceLineEndings(" ");
    }

    /// <summary>The generic host's default lifetime would stop the actor system on Ctrl-C or SIGTERM, before the stop checkpoint.</summary>
    private sealed class CallerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
