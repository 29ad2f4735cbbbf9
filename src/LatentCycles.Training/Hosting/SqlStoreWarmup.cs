using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using LinqToDB.Mapping;

namespace LatentCycles.Training.Hosting;

/// <summary>
/// Compiles the SQL layer on a spare core while the program loads its data and starts the actor system. The checkpoint
/// store (Akka.Persistence.Sql over linq2db) builds and compiles every query at its first use: the coordinator's recovery
/// took about 0.65 s of a default run's start, nearly all of it just-in-time compilation on the critical path. Running
/// the same kinds of query (create, max, insert, ordered select, delete) once against a throw-away in-memory SQLite
/// database beforehand compiles most of that code on the other core and saves about 0.4 s per run
/// (docs/PERFORMANCE.md, "Start-up"). Nothing of the run's own store is touched.
/// </summary>
public static class SqlStoreWarmup
{
    private static readonly Lazy<Task> Started = new(() => Task.Run(RunQuietlyAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Starts the warm-up once per process; later calls do nothing. Skipped on one core, where it would only compete.</summary>
    public static void Begin()
    {
        if (Environment.ProcessorCount > 1) _ = Started.Value;
    }

    /// <summary>The queries themselves; throws what the SQL layer throws.</summary>
    internal static async Task RunAsync()
    {
        var options = new DataOptions().UseConnectionString(ProviderName.SQLiteMS, "Data Source=:memory:");
        await using var db = new DataConnection(options);
        await db.CreateTableAsync<WarmupRow>().ConfigureAwait(false);
        const string owner = "warm-up";
        var rows = db.GetTable<WarmupRow>();
        await db.InsertAsync(new WarmupRow { Owner = owner, Sequence = 1, Payload = [1, 2, 3] }).ConfigureAwait(false);
        var highest = await rows.Where(r => r.Owner == owner).Select(r => (long?)r.Sequence).MaxAsync().ConfigureAwait(false);
        var replayed = await rows.Where(r => r.Owner == owner && r.Sequence >= 1 && r.Sequence <= highest)
            .OrderBy(r => r.Sequence).Take(100).ToListAsync().ConfigureAwait(false);
        var deleted = await rows.Where(r => r.Owner == owner && r.Sequence <= 1).DeleteAsync().ConfigureAwait(false);
        if (highest != 1 || replayed.Count != 1 || deleted != 1)
            throw new InvalidOperationException($"the warm-up queries gave max {highest}, {replayed.Count} rows and {deleted} deleted rows");
    }

    private static async Task RunQuietlyAsync()
    {
        // Only speed is at stake: a store that cannot work reports its own error when the run opens it.
        try { await RunAsync().ConfigureAwait(false); }
        catch (Exception) { }
    }

    [Table("warmup")]
    internal sealed class WarmupRow
    {
        [Column("owner"), NotNull] public string Owner { get; set; } = "";
        [Column("sequence"), PrimaryKey] public long Sequence { get; set; }
        [Column("payload")] public byte[]? Payload { get; set; }
    }
}
