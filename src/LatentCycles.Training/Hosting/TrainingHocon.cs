using System.Reflection;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace LatentCycles.Training;

/// <summary>
/// The actor-system configuration: the HOCON files of cluster-config/, embedded in this assembly at build time (so the
/// trainer, tests and tools do not depend on the working directory), plus the per-run values set in code, plus the
/// file named by the <see cref="OverridesVariable"/> environment variable, if any (e.g. cluster-config/tls.conf).
/// </summary>
public static class TrainingHocon
{
    /// <summary>Dispatcher of the chain workers, sized to RunSettings.Threads.</summary>
    public const string ChainDispatcher = "latentcycles.chain-dispatcher";

    /// <summary>Environment variable naming a HOCON file that overrides everything else (TLS, failure detector, timeouts).</summary>
    public const string OverridesVariable = "LATENTCYCLES_HOCON";

    /// <summary>cluster-config/base.conf: serializer bindings, logging, the chain dispatcher, timeouts.</summary>
    public static Config Base => Load("base.conf");

    /// <summary>One process, chain workers on <paramref name="threads"/> threads, checkpoints in <paramref name="store"/>.</summary>
    public static Config ForSingleHost(StoreLocation store, int threads) =>
        Overrides().WithFallback(Threads(threads)).WithFallback(Persistence(store)).WithFallback(Base)
            .WithFallback(SqlPersistence.DefaultConfiguration);

    /// <summary>The coordinator process of a cluster: its seed node, with the coordinator role and the checkpoint store.</summary>
    public static Config ForCoordinator(StoreLocation store, int threads, string hostname, int port) =>
        Overrides().WithFallback(Threads(threads)).WithFallback(Remoting(hostname, port)).WithFallback(Load("coordinator.conf"))
            .WithFallback(Load("cluster.conf")).WithFallback(Persistence(store)).WithFallback(Base)
            .WithFallback(SqlPersistence.DefaultConfiguration);

    /// <summary>A worker process of a cluster: no persistence, the worker role.</summary>
    public static Config ForWorker(int threads, string hostname, int port) =>
        Overrides().WithFallback(Threads(threads)).WithFallback(Remoting(hostname, port)).WithFallback(Load("worker.conf"))
            .WithFallback(Load("cluster.conf")).WithFallback(Base);

    // Without SqlPersistence's defaults the plugin has no class name (PACKAGES.md).
    private static Config Persistence(StoreLocation store)
    {
        var connection = Quote(store.ConnectionString);
        return ConfigurationFactory.ParseString($"""
            akka.persistence.journal.sql.connection-string = {connection}
            akka.persistence.snapshot-store.sql.connection-string = {connection}
            """).WithFallback(Load(store.Kind == StoreKind.Sqlite ? "persistence-sqlite.conf" : "persistence-postgres.conf"));
    }

    private static Config Threads(int threads) =>
        ConfigurationFactory.ParseString($"{ChainDispatcher}.dedicated-thread-pool.thread-count = {Math.Max(threads, 1)}");

    private static Config Remoting(string hostname, int port) => ConfigurationFactory.ParseString($"""
        akka.remote.dot-netty.tcp.hostname = {Quote(hostname)}
        akka.remote.dot-netty.tcp.public-hostname = {Quote(ClusterSettings.Advertised(hostname))}
        akka.remote.dot-netty.tcp.port = {port}
        """);

    private static Config Overrides()
    {
        var path = Environment.GetEnvironmentVariable(OverridesVariable);
        if (string.IsNullOrWhiteSpace(path)) return Config.Empty;
        if (!File.Exists(path)) throw new ArgumentException($"{OverridesVariable} names {path}, which does not exist");
        return ConfigurationFactory.ParseString(File.ReadAllText(path));
    }

    private static Config Load(string name)
    {
        var resource = $"LatentCycles.Training.{name}";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the HOCON resource {resource} is missing from the build");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>A HOCON quoted string (JSON escaping), so paths with spaces, quotes or backslashes survive.</summary>
    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
