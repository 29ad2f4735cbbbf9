using System.Reflection;
using Akka.Configuration;
using Akka.Persistence.Sql;

namespace LatentCycles.Training;

/// <summary>
/// The actor-system configuration: the HOCON files of cluster-config/, embedded in this assembly at build time (so the
/// trainer, tests and tools do not depend on the working directory), plus the per-run values set in code.
/// </summary>
public static class TrainingHocon
{
    /// <summary>Dispatcher of the chain workers, sized to RunSettings.Threads.</summary>
    public const string ChainDispatcher = "latentcycles.chain-dispatcher";

    /// <summary>cluster-config/base.conf: serializer bindings, logging, the chain dispatcher, timeouts.</summary>
    public static Config Base => Load("base.conf");

    /// <summary>cluster-config/persistence-sqlite.conf: Akka.Persistence.Sql journal and snapshot store on SQLite.</summary>
    public static Config SqlitePersistence => Load("persistence-sqlite.conf");

    /// <summary>One process, chain workers on <paramref name="threads"/> threads, checkpoints in the SQLite file <paramref name="storePath"/>.</summary>
    public static Config ForSingleHost(string storePath, int threads)
    {
        var connection = Quote(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = storePath }.ConnectionString);
        var run = ConfigurationFactory.ParseString($"""
            {ChainDispatcher}.dedicated-thread-pool.thread-count = {threads}
            akka.persistence.journal.sql.connection-string = {connection}
            akka.persistence.snapshot-store.sql.connection-string = {connection}
            """);
        // Without SqlPersistence's defaults the plugin has no class name (PACKAGES.md).
        return run.WithFallback(SqlitePersistence).WithFallback(Base).WithFallback(SqlPersistence.DefaultConfiguration);
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
