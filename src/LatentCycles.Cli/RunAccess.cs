using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using LatentCycles.Training;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Cli;

/// <summary>
/// What the commands read from a run directory, with every way that can fail turned into a one-line
/// <see cref="CliException"/>. Reading never creates or changes a file.
/// </summary>
internal static class RunAccess
{
    /// <summary>How config.json names the embedded data set (<see cref="DataSetLoader.Load"/> accepts it).</summary>
    public const string EmbeddedDataName = EmbeddedMnist.Name;

    /// <summary>True when <paramref name="directory"/> holds (part of) a run: its configuration or its store.</summary>
    public static bool HoldsRun(string directory) =>
        File.Exists(Path.Combine(directory, RunDirectory.ConfigFileName)) || File.Exists(Path.Combine(directory, RunDirectory.StoreFileName));

    /// <summary>Fails, naming the process, when another process writes to <paramref name="directory"/>; changes no file.</summary>
    public static void RefuseBusy(string directory)
    {
        if (Directory.Exists(directory) && RunLock.IsHeld(directory, out var holder))
            throw new CliException(new RunLockedException(Path.GetFullPath(directory), holder).Message);
    }

    /// <summary>Fails unless <paramref name="directory"/> is an existing directory.</summary>
    public static void RequireRunDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new CliException($"{directory}: no such run directory");
    }

    /// <summary>The run's configuration and the data reference it was trained on (a full path, or <see cref="EmbeddedDataName"/>).</summary>
    public static (TrainingConfig Config, string Data) ReadConfig(string directory)
    {
        var file = ReadConfigFile(directory);
        return (file.Config, file.Data);
    }

    /// <summary>The run's config.json: configuration, data reference and the run's identity.</summary>
    public static RunConfigFile ReadConfigFile(string directory)
    {
        RequireRunDirectory(directory);
        try
        {
            return RunDirectory.ReadConfig(directory);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new CliException($"{directory}: cannot read the run's {RunDirectory.ConfigFileName}: {e.Message}");
        }
    }

    /// <summary>
    /// The latest checkpoint, or with <paramref name="round"/> the latest at or before that round, from the run
    /// directory's run.db or the given <c>--store</c>.
    /// </summary>
    public static TrainingState LoadState(string directory, int? round, string? store = null)
    {
        RequireRunDirectory(directory);
        if (round is < 0) throw new CliException($"--round must not be negative, got {round}");
        try
        {
            return round is { } r ? CheckpointStore.Load(directory, r, store) : CheckpointStore.LoadLatest(directory, store);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>
    /// The run a directory records: its config.json; or, when that is missing, the configuration and identity of the
    /// latest checkpoint (every checkpoint holds them), with <paramref name="data"/> as the data set it trains on
    /// (checkpoints do not name it), else the embedded one, and no recorded settings.
    /// </summary>
    public static (RunConfigFile Recorded, bool FromCheckpoint) ReadRecorded(string directory, string? store, string? data)
    {
        RequireRunDirectory(directory);
        if (File.Exists(Path.Combine(directory, RunDirectory.ConfigFileName)))
        {
            var file = ReadConfigFile(directory);
            if (data is not null && Path.GetFullPath(data) != file.Data)
                throw new CliException($"{directory} trains on {file.Data} ({RunDirectory.ConfigFileName}); --data names the data only of a run whose {RunDirectory.ConfigFileName} is missing");
            return (file, false);
        }
        Checkpoint? latest;
        try
        {
            latest = LatestCheckpoint(StoreLocation.For(directory, store));
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        if (latest is null)
            throw new CliException($"{directory}: {RunDirectory.ConfigFileName} is missing and no checkpoint holds the run's configuration");
        return (new RunConfigFile(latest.State.Config, data is null ? EmbeddedDataName : Path.GetFullPath(data), latest.RunId), true);
    }

    /// <summary><see cref="RunPlan.Prepare"/>, with an invalid setting as one <c>error:</c> line.</summary>
    public static RunPlan Prepare(TrainingConfig config, DataSplit data, RunSettings settings, ClusterSettings? cluster = null)
    {
        try
        {
            return RunPlan.Prepare(config, data, settings, cluster);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>The latest checkpoint in <paramref name="store"/>, or null when it holds none (or does not exist yet).</summary>
    public static TrainingState? LatestInStore(StoreLocation store) => LatestCheckpoint(store)?.State;

    /// <summary>The latest checkpoint in <paramref name="store"/> with its run's identity, or null when it holds none.</summary>
    private static Checkpoint? LatestCheckpoint(StoreLocation store)
    {
        try
        {
            return CheckpointStore.LatestOrNull(store, runId: null);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>A run's metrics.csv (possibly still being written).</summary>
    public static IReadOnlyList<MetricsRow> ReadMetrics(string path)
    {
        try
        {
            return MetricsCsv.Read(path);
        }
        catch (Exception e) when (e is MetricsFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>SHA-256 of the parameters W, b, L as doubles in memory order (little-endian on every platform .NET runs on): equal hashes mean bit-identical parameters.</summary>
    public static string ParametersSha256(ModelParameters parameters)
    {
        return Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(parameters.Values.AsSpan())));
    }

    private static bool IsReadFailure(Exception e) =>
        e is RunStoreException or CheckpointFormatException or IOException or UnauthorizedAccessException or JsonException
            or InvalidOperationException;
}
