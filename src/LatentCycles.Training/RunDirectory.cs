using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LatentCycles.Core.Training;

namespace LatentCycles.Training;

/// <summary>The configuration a run directory was started with, and the data set it trains on (a name or a path).</summary>
/// <param name="RunId">The run's identity, drawn once when the run is created and written into every checkpoint; null
/// in a config.json written before runs had one.</param>
/// <param name="Settings">How the run executes, kept so that <c>resume</c> goes on as the run was started; null in a
/// config.json written before runs recorded them.</param>
public sealed record RunConfigFile(TrainingConfig Config, string Data, Guid? RunId, RecordedSettings? Settings = null);

/// <summary>The settings of <see cref="RunSettings"/> that a run keeps from session to session.</summary>
public sealed record RecordedSettings(int CheckpointEvery, int KeepCheckpoints, int EvaluateEvery, int Threads)
{
    public static RecordedSettings Of(RunSettings settings) =>
        new(settings.CheckpointEvery, settings.KeepCheckpoints, settings.EvaluateEvery, settings.Threads);
}

/// <summary>The files of a run directory (docs/ARCHITECTURE.md, "Outputs of a run").</summary>
public static class RunDirectory
{
    public const string StoreFileName = "run.db";
    public const string MetricsFileName = "metrics.csv";
    public const string ConfigFileName = "config.json";
    public const string LockFileName = "run.lock";
    public const string LogFileName = "run.log";

    /// <summary>
    /// Whether <paramref name="fileName"/> is one of the files that make up a run (the store with SQLite's -journal, -wal
    /// and -shm companions, configuration, metrics, log, lock), which no output of a command may replace.
    /// </summary>
    public static bool IsRunFile(string fileName) =>
        fileName.StartsWith(StoreFileName, StringComparison.Ordinal)
        || fileName is ConfigFileName or MetricsFileName or LockFileName or LogFileName;

    /// <summary>
    /// Starts a run directory for a new run and returns its writer's lock: the directory appears with a complete
    /// config.json, or not at all (it is prepared beside its place and renamed into it). An existing directory, which
    /// must hold no run, gets its config.json the same way, under the lock.
    /// </summary>
    /// <exception cref="RunStoreException">the path is a file, or the directory already holds a run.</exception>
    /// <exception cref="RunLockedException">another process writes to the directory.</exception>
    public static RunLock Create(string runDirectory, RunConfigFile file)
    {
        var full = Path.GetFullPath(runDirectory);
        if (File.Exists(full)) throw new RunStoreException($"{full} is a file, not a run directory");
        if (Directory.Exists(full))
        {
            var existing = RunLock.Acquire(full);
            try
            {
                if (File.Exists(Path.Combine(full, ConfigFileName))) throw new RunStoreException($"{full} already holds a run");
                WriteConfig(full, file);
                return existing;
            }
            catch
            {
                existing.Dispose();
                throw;
            }
        }
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var partial = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Environment.ProcessId}");
        Directory.CreateDirectory(partial);
        var created = RunLock.Acquire(partial);
        try
        {
            WriteConfig(partial, file);
            Directory.Move(partial, full);
            created.MovedTo(full);
            return created;
        }
        catch (Exception e)
        {
            created.Dispose();
            Directory.Delete(partial, recursive: true);
            if (e is IOException && Directory.Exists(full)) throw new RunStoreException($"{full} was created by another process meanwhile");
            throw;
        }
    }

    private const string DataKey = "data";
    private const string RunIdKey = "run_id";
    private const string SettingsKey = "run_settings";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
        IgnoreReadOnlyProperties = true,
    };

    /// <summary>
    /// Writes RunDirectory/config.json, the configuration's settings in snake_case plus <c>data</c>, <c>run_id</c> and
    /// <c>run_settings</c>, through a temporary file renamed into place: a reader never sees half of it. The one writer
    /// of config.json: <see cref="RunPlan.Claim"/> calls it (through <see cref="Create"/> for a new directory).
    /// </summary>
    public static void WriteConfig(string runDirectory, RunConfigFile file)
    {
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, ConfigFileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, ConfigJson(file.Config, file.Data, file.RunId, file.Settings) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The text of config.json: the configuration's settings in snake_case plus <c>data</c> (and <c>run_id</c> and
    /// <c>run_settings</c> when known).
    /// </summary>
    public static string ConfigJson(TrainingConfig config, string dataName, Guid? runId = null, RecordedSettings? settings = null)
    {
        var json = JsonSerializer.SerializeToNode(config, JsonOptions)!.AsObject();
        json[DataKey] = dataName;
        if (runId is { } id) json[RunIdKey] = id.ToString();
        if (settings is not null) json[SettingsKey] = JsonSerializer.SerializeToNode(settings, JsonOptions);
        return json.ToJsonString(JsonOptions);
    }

    /// <summary>Reads RunDirectory/config.json, or null when there is none; <see cref="RunStoreException"/> when it is malformed.</summary>
    public static RunConfigFile? ReadConfigOrNull(string runDirectory) =>
        File.Exists(Path.Combine(runDirectory, ConfigFileName)) ? ReadConfig(runDirectory) : null;

    /// <summary>Reads RunDirectory/config.json; <see cref="RunStoreException"/> with one line when it is missing or malformed.</summary>
    public static RunConfigFile ReadConfig(string runDirectory)
    {
        var path = Path.Combine(runDirectory, ConfigFileName);
        if (!File.Exists(path)) throw new RunStoreException($"{path}: no such file (is {runDirectory} a run directory?)");
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("not a JSON object");
            var data = json[DataKey]?.GetValue<string>() ?? throw new JsonException($"no \"{DataKey}\" entry");
            json.Remove(DataKey);
            Guid? runId = json[RunIdKey] is { } id ? Guid.Parse(id.GetValue<string>()) : null;
            json.Remove(RunIdKey);
            var settings = json[SettingsKey]?.Deserialize<RecordedSettings>(JsonOptions);
            json.Remove(SettingsKey);
            var config = json.Deserialize<TrainingConfig>(JsonOptions) ?? throw new JsonException("no configuration");
            // Runs written before the decoder had a learning rate of its own trained every block at the one rate.
            if (!json.ContainsKey(JsonOptions.PropertyNamingPolicy!.ConvertName(nameof(TrainingConfig.DecoderLearningRateScale))))
                config = config with { DecoderLearningRateScale = 1 };
            // Runs written before the learning-rate schedule kept the rate constant.
            if (!json.ContainsKey(JsonOptions.PropertyNamingPolicy.ConvertName(nameof(TrainingConfig.LearningRateSchedule))))
                config = config with { LearningRateSchedule = LearningRateSchedule.Constant };
            return new RunConfigFile(config, data, runId, settings);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new RunStoreException($"{path}: not a valid run configuration ({e.Message.Split('\n')[0]})", e);
        }
    }
}
