using LatentCycles.Core.Checkpoints;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;
using Microsoft.Data.Sqlite;

namespace LatentCycles.Training;

/// <summary>
/// Read-only access to a run's checkpoints: reads the snapshot table of the SQLite store that Akka.Persistence.Sql writes
/// (default table mapping) directly, opened read-only, so looking never creates, initializes or modifies a store.
/// </summary>
public static class CheckpointStore
{
    private const string SnapshotTable = "snapshot";
    private const string JournalTable = "journal";

    /// <summary>The latest checkpoint's state.</summary>
    /// <exception cref="RunStoreException">the store is missing, corrupt, foreign, or holds no checkpoint.</exception>
    public static TrainingState LoadLatest(string runDirectory, string? store = null) =>
        Last(runDirectory, store, _ => true, "no checkpoint");

    /// <summary>The state of the latest checkpoint at or before <paramref name="round"/>.</summary>
    /// <exception cref="RunStoreException">the store is missing, corrupt, foreign, or holds no checkpoint that early.</exception>
    public static TrainingState Load(string runDirectory, int round, string? store = null) =>
        Last(runDirectory, store, c => c.State.Round <= round, $"no checkpoint at or before round {round}");

    private static TrainingState Last(string runDirectory, string? store, Func<Checkpoint, bool> accept, string none)
    {
        var path = new RunSettings { RunDirectory = runDirectory, Store = store }.StorePath;
        var found = ReadCheckpoints(path, missingIsEmpty: false).LastOrDefault(accept);
        return found?.State ?? throw new RunStoreException($"{path} holds {none}");
    }

    /// <summary>
    /// All checkpoints of the store at <paramref name="path"/>, oldest first. A missing file is an empty store when
    /// <paramref name="missingIsEmpty"/>, else an error.
    /// </summary>
    internal static IReadOnlyList<Checkpoint> ReadCheckpoints(string path, bool missingIsEmpty)
    {
        if (!File.Exists(path))
        {
            if (missingIsEmpty) return [];
            throw new RunStoreException($"{path}: no such checkpoint store");
        }
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        try
        {
            using var connection = new SqliteConnection(builder.ConnectionString);
            connection.Open();
            RequireTables(connection, path);
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT sequence_number, serializer_id, manifest, snapshot FROM {SnapshotTable} " +
                "WHERE persistence_id = $id ORDER BY sequence_number";
            command.Parameters.AddWithValue("$id", TrainingRunner.PersistenceId);
            var checkpoints = new List<Checkpoint>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var sequenceNumber = reader.GetInt64(0);
                var serializerId = reader.IsDBNull(1) ? -1 : reader.GetInt32(1);
                var manifest = reader.IsDBNull(2) ? "" : reader.GetString(2);
                if (serializerId != TrainingMessageSerializer.SerializerId || !TrainingMessageSerializer.IsCheckpointManifest(manifest))
                    throw new RunStoreException($"{path}: snapshot {sequenceNumber} is not a LatentCycles checkpoint (serializer {serializerId}, manifest '{manifest}')");
                checkpoints.Add((Checkpoint)TrainingMessageSerializer.Decode((byte[])reader.GetValue(3), manifest));
            }
            return checkpoints;
        }
        catch (SqliteException e)
        {
            throw new RunStoreException($"{path} is not a readable LatentCycles checkpoint store ({e.Message.Split('\n')[0]})", e);
        }
        catch (CheckpointFormatException e)
        {
            throw new RunStoreException($"{path} holds a damaged checkpoint ({e.Message})", e);
        }
    }

    private static void RequireTables(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var reader = command.ExecuteReader())
            while (reader.Read()) tables.Add(reader.GetString(0));
        if (!tables.Contains(SnapshotTable) || !tables.Contains(JournalTable))
            throw new RunStoreException($"{path} is an SQLite database but not a LatentCycles checkpoint store (no {JournalTable} and {SnapshotTable} tables)");
    }
}
