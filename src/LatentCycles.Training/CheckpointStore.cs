using System.Data;
using System.Data.Common;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LatentCycles.Training;

/// <summary>
/// Read-only access to a run's checkpoints: reads the snapshot and journal tables that Akka.Persistence.Sql writes
/// (default table mapping) directly — an existing SQLite file (which SQLite may first recover from a crash, see
/// OpenSqlite), or a PostgreSQL database in a read-only transaction — so looking never creates, initializes or modifies a
/// store. Only the snapshot a reader uses is decoded; it is refused, naming it, when its checksum fails or when it was
/// written by another run than the one the run directory's config.json names.
/// </summary>
public static class CheckpointStore
{
    private const string SnapshotTable = "snapshot";
    private const string JournalTable = "journal";

    /// <summary>The latest checkpoint's state.</summary>
    /// <exception cref="RunStoreException">the store is missing, corrupt, foreign, or holds no checkpoint.</exception>
    public static TrainingState LoadLatest(string runDirectory, string? store = null) => Load(runDirectory, store, round: null);

    /// <summary>The state of the latest checkpoint at or before <paramref name="round"/>.</summary>
    /// <exception cref="RunStoreException">the store is missing, corrupt, foreign, or holds no checkpoint that early (the
    /// message lists the rounds it holds).</exception>
    public static TrainingState Load(string runDirectory, int round, string? store = null) => Load(runDirectory, store, (int?)round);

    /// <summary>
    /// The latest checkpoint, or null when the store is missing or empty (a fresh PostgreSQL database). With
    /// <paramref name="runId"/>, a checkpoint written by another run is refused.
    /// </summary>
    /// <exception cref="RunStoreException">the store is unreadable, corrupt or foreign.</exception>
    public static Checkpoint? LatestOrNull(StoreLocation store, Guid? runId) =>
        Read(store, missingIsEmpty: true, snapshots => snapshots?.Latest(runId));

    private static TrainingState Load(string runDirectory, string? storeText, int? round)
    {
        var store = StoreLocation.For(runDirectory, storeText);
        var runId = RunDirectory.ReadConfigOrNull(runDirectory)?.RunId;
        var found = Read(store, missingIsEmpty: false, snapshots => round is { } r ? snapshots!.AtOrBefore(r, runId) : snapshots!.Latest(runId));
        return found?.State ?? throw new RunStoreException($"{store} holds no checkpoint");
    }

    /// <summary>
    /// Runs <paramref name="read"/> on the snapshots of <paramref name="store"/>. A missing SQLite file, or a PostgreSQL
    /// database without our tables (a fresh one), is an empty store (null) when <paramref name="missingIsEmpty"/>, else an error.
    /// </summary>
    private static T Read<T>(StoreLocation store, bool missingIsEmpty, Func<SnapshotReader?, T> read)
    {
        try
        {
            return store.Kind == StoreKind.Sqlite ? ReadSqlite(store, missingIsEmpty, read) : ReadPostgres(store, missingIsEmpty, read);
        }
        catch (Exception e) when (e is SqliteException or NpgsqlException or InvalidCastException)
        {
            throw new RunStoreException($"{store} is not a readable LatentCycles checkpoint store ({e.Message.Split('\n')[0]})", e);
        }
    }

    private static T ReadSqlite<T>(StoreLocation store, bool missingIsEmpty, Func<SnapshotReader?, T> read)
    {
        if (!File.Exists(store.Display))
        {
            if (missingIsEmpty) return read(null);
            throw new RunStoreException($"{store}: no such checkpoint store");
        }
        using var connection = OpenSqlite(store);
        var tables = Strings(connection, null, "SELECT name FROM sqlite_master WHERE type = 'table'");
        if (!tables.Contains(SnapshotTable) || !tables.Contains(JournalTable))
        {
            // A run killed while the persistence plugin was still creating its tables leaves a store with some or none
            // of them and no checkpoint: that is an empty store, not a foreign database.
            if (missingIsEmpty && tables.All(PersistencePluginTables.Contains) && !HasRows(connection, SnapshotTable, tables)) return read(null);
            throw new RunStoreException($"{store} is an SQLite database but not a LatentCycles checkpoint store (no {JournalTable} and {SnapshotTable} tables)");
        }
        // One read transaction, so the snapshots listed are still there when one is read (a training run deletes old ones).
        using var transaction = connection.BeginTransaction(deferred: true);
        return read(new SnapshotReader(connection, transaction, store, "$"));
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

    private static T ReadPostgres<T>(StoreLocation store, bool missingIsEmpty, Func<SnapshotReader?, T> read)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(store.ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        // Repeatable read: the snapshots listed are still there when one is read (a training run deletes old ones).
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
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
            if (missingIsEmpty && !tables.Contains(SnapshotTable) && !tables.Contains(JournalTable)) return read(null);
            throw new RunStoreException($"{store} is not a LatentCycles checkpoint store (no {JournalTable} and {SnapshotTable} tables)");
        }
        return read(new SnapshotReader(connection, transaction, store, "@"));
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

    /// <summary>
    /// The snapshots of one store, listed by sequence number with the round each holds (from the journal's
    /// <see cref="CheckpointTaken"/> event of the same sequence number, so listing decodes no snapshot).
    /// </summary>
    private sealed class SnapshotReader(DbConnection connection, DbTransaction? transaction, StoreLocation store, string parameterPrefix)
    {
        private Dictionary<long, int>? _rounds;

        /// <summary>The latest snapshot, checked; null when there is none.</summary>
        public Checkpoint? Latest(Guid? runId)
        {
            var sequenceNumbers = SequenceNumbers();
            return sequenceNumbers.Count == 0 ? null : Decode(sequenceNumbers[^1], runId);
        }

        /// <summary>The latest snapshot at or before <paramref name="round"/>, checked.</summary>
        public Checkpoint AtOrBefore(int round, Guid? runId)
        {
            var sequenceNumbers = SequenceNumbers();
            var held = new List<int>();
            for (var j = sequenceNumbers.Count - 1; j >= 0; j--)
            {
                if (RoundOf(sequenceNumbers[j]) is { } known && known > round)
                {
                    held.Add(known);
                    continue;
                }
                var checkpoint = Decode(sequenceNumbers[j], runId);
                if (checkpoint.State.Round <= round) return checkpoint;
                held.Add(checkpoint.State.Round);
            }
            held.Reverse();
            throw new RunStoreException(held.Count == 0
                ? $"{store} holds no checkpoint"
                : $"{store} holds no checkpoint at or before round {round}; it holds rounds {string.Join(", ", held)}");
        }

        private List<long> SequenceNumbers()
        {
            using var command = Command($"SELECT sequence_number FROM {SnapshotTable} WHERE persistence_id = {parameterPrefix}id ORDER BY sequence_number");
            var sequenceNumbers = new List<long>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) sequenceNumbers.Add(reader.GetInt64(0));
            return sequenceNumbers;
        }

        /// <summary>The round of the snapshot with this sequence number, from its journal event; null when that event is missing.</summary>
        private int? RoundOf(long sequenceNumber)
        {
            if (_rounds is null)
            {
                _rounds = [];
                using var command = Command($"SELECT sequence_number, identifier, manifest, message FROM {JournalTable} WHERE persistence_id = {parameterPrefix}id");
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var (serializerId, manifest) = SerializerOf(reader, 1, 2);
                    if (serializerId != TrainingMessageSerializer.SerializerId || !TrainingMessageSerializer.IsCheckpointEventManifest(manifest)) continue;
                    var eventNumber = reader.GetInt64(0);
                    try
                    {
                        _rounds[eventNumber] = ((CheckpointTaken)TrainingMessageSerializer.Decode((byte[])reader.GetValue(3), manifest)).Round;
                    }
                    catch (CheckpointFormatException e)
                    {
                        throw new RunStoreException($"{store}: journal event {eventNumber} is damaged ({e.Message})", e);
                    }
                }
            }
            return _rounds.TryGetValue(sequenceNumber, out var round) ? round : null;
        }

        /// <summary>The snapshot with this sequence number, refused when damaged or written by another run than <paramref name="runId"/>.</summary>
        private Checkpoint Decode(long sequenceNumber, Guid? runId)
        {
            using var command = Command($"SELECT serializer_id, manifest, snapshot FROM {SnapshotTable} " +
                $"WHERE persistence_id = {parameterPrefix}id AND sequence_number = {parameterPrefix}sequence_number");
            var sequence = command.CreateParameter();
            sequence.ParameterName = parameterPrefix + "sequence_number";
            sequence.Value = sequenceNumber;
            command.Parameters.Add(sequence);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) throw new RunStoreException($"{store}: snapshot {sequenceNumber} disappeared while it was read");
            var (serializerId, manifest) = SerializerOf(reader, 0, 1);
            if (serializerId != TrainingMessageSerializer.SerializerId || !TrainingMessageSerializer.IsCheckpointManifest(manifest))
                throw new RunStoreException($"{store}: snapshot {sequenceNumber} is not a LatentCycles checkpoint (serializer {serializerId}, manifest '{manifest}')");
            Checkpoint checkpoint;
            try
            {
                checkpoint = (Checkpoint)TrainingMessageSerializer.Decode((byte[])reader.GetValue(2), manifest);
            }
            catch (CheckpointFormatException e)
            {
                throw new RunStoreException($"{store}: snapshot {Name(sequenceNumber)} is damaged ({e.Message}); it is not used", e);
            }
            if (runId is { } expected && checkpoint.RunId is { } found && found != expected)
                throw new RunStoreException($"{store}: snapshot {Name(sequenceNumber)} was written by run {found}, not by run {expected} " +
                    $"that the run directory's {RunDirectory.ConfigFileName} names; it is not used");
            return checkpoint;
        }

        private string Name(long sequenceNumber) => RoundOf(sequenceNumber) is { } round ? $"{sequenceNumber} (round {round})" : $"{sequenceNumber}";

        private static (int SerializerId, string Manifest) SerializerOf(DbDataReader reader, int serializerColumn, int manifestColumn) =>
            (reader.IsDBNull(serializerColumn) ? -1 : Convert.ToInt32(reader.GetValue(serializerColumn)),
             reader.IsDBNull(manifestColumn) ? "" : reader.GetString(manifestColumn));

        private DbCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            var id = command.CreateParameter();
            id.ParameterName = parameterPrefix + "id";
            id.Value = TrainingRunner.PersistenceId;
            command.Parameters.Add(id);
            return command;
        }
    }
}
