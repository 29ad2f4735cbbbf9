using System.Data.Common;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LatentCycles.Training;

/// <summary>
/// Read-only access to a run's checkpoints: reads the snapshot table that Akka.Persistence.Sql writes (default table
/// mapping) directly — an existing SQLite file (which SQLite may first recover from a crash, see OpenSqlite), or a
/// PostgreSQL database in a read-only transaction — so looking never creates, initializes or modifies a store.
/// </summary>
public static class CheckpointStore
{
    private const string SnapshotTable = "snapshot";
    private const string JournalTable = "journal";

    /// <summary>The latest checkpoint's state.</summary>
    /// <exception cref="RunStoreException">the store is missing, corrupt, foreign, or holds no checkpoint.</exception>
    public static TrainingState LoadLatest(string runDirectory, string? store = null) =>
        Last(StoreLocation.For(runDirectory, store), _ => true, "no checkpoint");

    /// <summary>The state of the latest checkpoint at or before <paramref name="round"/>.</summary>
    /// <exception cref="RunStoreException">the store is missing, corrupt, foreign, or holds no checkpoint that early.</exception>
    public static TrainingState Load(string runDirectory, int round, string? store = null) =>
        Last(StoreLocation.For(runDirectory, store), c => c.State.Round <= round, $"no checkpoint at or before round {round}");

    /// <summary>The latest checkpoint's state, or null when the store is missing or empty (a fresh PostgreSQL database).</summary>
    /// <exception cref="RunStoreException">the store is unreadable, corrupt or foreign.</exception>
    public static TrainingState? LatestOrNull(StoreLocation store) => ReadCheckpoints(store, missingIsEmpty: true).LastOrDefault()?.State;

    private static TrainingState Last(StoreLocation store, Func<Checkpoint, bool> accept, string none)
    {
        var found = ReadCheckpoints(store, missingIsEmpty: false).LastOrDefault(accept);
        return found?.State ?? throw new RunStoreException($"{store} holds {none}");
    }

    /// <summary>
    /// All checkpoints of <paramref name="store"/>, oldest first. A missing SQLite file, or a PostgreSQL database without
    /// our tables (a fresh one), is an empty store when <paramref name="missingIsEmpty"/>, else an error.
    /// </summary>
    internal static IReadOnlyList<Checkpoint> ReadCheckpoints(StoreLocation store, bool missingIsEmpty)
    {
        try
        {
            return store.Kind == StoreKind.Sqlite ? ReadSqlite(store, missingIsEmpty) : ReadPostgres(store, missingIsEmpty);
        }
        catch (Exception e) when (e is SqliteException or NpgsqlException or InvalidCastException)
        {
            throw new RunStoreException($"{store} is not a readable LatentCycles checkpoint store ({e.Message.Split('\n')[0]})", e);
        }
        catch (CheckpointFormatException e)
        {
            throw new RunStoreException($"{store} holds a damaged checkpoint ({e.Message})", e);
        }
    }

    private static IReadOnlyList<Checkpoint> ReadSqlite(StoreLocation store, bool missingIsEmpty)
    {
        if (!File.Exists(store.Display))
        {
            if (missingIsEmpty) return [];
            throw new RunStoreException($"{store}: no such checkpoint store");
        }
        using var connection = OpenSqlite(store);
        var tables = Strings(connection, null, "SELECT name FROM sqlite_master WHERE type = 'table'");
        if (!tables.Contains(SnapshotTable) || !tables.Contains(JournalTable))
        {
            // A run killed while the persistence plugin was still creating its tables leaves a store with some or none
            // of them and no checkpoint: that is an empty store, not a foreign database.
            if (missingIsEmpty && tables.All(PersistencePluginTables.Contains) && !HasRows(connection, SnapshotTable, tables)) return [];
            throw new RunStoreException($"{store} is an SQLite database but not a LatentCycles checkpoint store (no {JournalTable} and {SnapshotTable} tables)");
        }
        return ReadSnapshots(connection, null, store, "$id");
    }

    /// <summary>The tables the SQLite persistence plugin creates (and SQLite's own counter table).</summary>
    private static readonly HashSet<string> PersistencePluginTables = [JournalTable, SnapshotTable, "tags", "sqlite_sequence"];

    private static bool HasRows(SqliteConnection connection, string table, HashSet<string> tables)
    {
        if (!tables.Contains(table)) return false;
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT EXISTS (SELECT 1 FROM \"{table}\")";
        return Convert.ToInt64(command.ExecuteScalar()) != 0;
    }

    /// <summary>
    /// Opens an existing SQLite store for reading. Read-write (SQLite falls back to read-only for a write-protected file),
    /// though nothing is written: a process killed during a checkpoint leaves a hot journal that SQLite must roll back
    /// before anyone can read the last committed state, and a read-only connection cannot.
    /// </summary>
    private static SqliteConnection OpenSqlite(StoreLocation store)
    {
        var builder = new SqliteConnectionStringBuilder(store.ConnectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        var connection = new SqliteConnection(builder.ConnectionString);
        connection.Open();
        return connection;
    }

    private static IReadOnlyList<Checkpoint> ReadPostgres(StoreLocation store, bool missingIsEmpty)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(store.ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var readOnly = connection.CreateCommand())
        {
            readOnly.Transaction = transaction;
            readOnly.CommandText = "SET TRANSACTION READ ONLY";
            readOnly.ExecuteNonQuery();
        }
        var tables = Strings(connection, transaction,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
        if (!tables.Contains(SnapshotTable) || !tables.Contains(JournalTable))
        {
            if (missingIsEmpty && !tables.Contains(SnapshotTable) && !tables.Contains(JournalTable)) return [];
            throw new RunStoreException($"{store} is not a LatentCycles checkpoint store (no {JournalTable} and {SnapshotTable} tables)");
        }
        return ReadSnapshots(connection, transaction, store, "@id");
    }

    private static HashSet<string> Strings(DbConnection connection, DbTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        var values = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var reader = command.ExecuteReader();
        while (reader.Read()) values.Add(reader.GetString(0));
        return values;
    }

    private static List<Checkpoint> ReadSnapshots(DbConnection connection, DbTransaction? transaction, StoreLocation store, string idParameter)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT sequence_number, serializer_id, manifest, snapshot FROM {SnapshotTable} " +
            $"WHERE persistence_id = {idParameter} ORDER BY sequence_number";
        var id = command.CreateParameter();
        id.ParameterName = idParameter;
        id.Value = TrainingRunner.PersistenceId;
        command.Parameters.Add(id);
        var checkpoints = new List<Checkpoint>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var sequenceNumber = reader.GetInt64(0);
            var serializerId = reader.IsDBNull(1) ? -1 : Convert.ToInt32(reader.GetValue(1));
            var manifest = reader.IsDBNull(2) ? "" : reader.GetString(2);
            if (serializerId != TrainingMessageSerializer.SerializerId || !TrainingMessageSerializer.IsCheckpointManifest(manifest))
                throw new RunStoreException($"{store}: snapshot {sequenceNumber} is not a LatentCycles checkpoint (serializer {serializerId}, manifest '{manifest}')");
            checkpoints.Add((Checkpoint)TrainingMessageSerializer.Decode((byte[])reader.GetValue(3), manifest));
        }
        return checkpoints;
    }
}
