using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training;

/// <summary>
/// A run checked once, before anything runs: its configuration, data and settings are valid, the store's latest
/// checkpoint (read once) belongs to it, config.json records it, and this process holds the run directory's writer lock
/// until the plan is disposed. <see cref="TrainingRunner"/> carries a plan out without checking any of it again.
/// </summary>
public sealed class RunPlan : IDisposable
{
    private readonly RunLock _writer;

    private RunPlan(RunLock writer, TrainingState start, bool fromCheckpoint, RunConfigFile recorded, DataSplit data, RunSettings settings,
        ClusterSettings? cluster)
    {
        _writer = writer;
        Start = start;
        FromCheckpoint = fromCheckpoint;
        RunId = recorded.RunId ?? throw new ArgumentException("a planned run has its identity");
        Data = data;
        Settings = settings;
        Cluster = cluster;
    }

    /// <summary>The state the run continues from: the latest checkpoint (with the plan's rounds), else round 0.</summary>
    public TrainingState Start { get; }

    /// <summary>Whether <see cref="Start"/> is a stored checkpoint.</summary>
    public bool FromCheckpoint { get; }

    /// <summary>The run's identity, which config.json records and every checkpoint carries.</summary>
    public Guid RunId { get; }

    public TrainingConfig Config => Start.Config;
    public DataSplit Data { get; }
    public RunSettings Settings { get; }

    /// <summary>The cluster this process coordinates; null for a run on one host.</summary>
    public ClusterSettings? Cluster { get; }

    /// <summary>
    /// Checks a run of <paramref name="config"/> on <paramref name="data"/> and takes its run directory: a new directory
    /// appears with its config.json at once (<see cref="RunDirectory.Create"/>); an existing one must record this run, or
    /// one that <paramref name="config"/> extends by more rounds, or none. config.json is then written whenever it does
    /// not say exactly this: the configuration, the data, the run's identity and <paramref name="settings"/>. A store that
    /// holds checkpoints of another run is refused, and nothing is written then.
    /// </summary>
    /// <exception cref="ArgumentException">a setting is invalid, or the stored model does not fit the data.</exception>
    /// <exception cref="RunStoreException">the directory or the store holds another run, or the store cannot be read.</exception>
    /// <exception cref="RunLockedException">another process writes to the run directory.</exception>
    public static RunPlan Prepare(TrainingConfig config, DataSplit data, RunSettings settings, ClusterSettings? cluster = null)
    {
        config.Validate();
        settings.Validate(minimumThreads: cluster is null ? 1 : 0);
        cluster?.Validate();
        var directory = settings.RunDirectory;
        if (!Directory.Exists(directory))
        {
            var outside = LatestOfSameRun(settings.StoreLocation, null, config, data);
            var created = Record(config, data, outside?.RunId, settings);
            return Begin(RunDirectory.Create(directory, created), outside, created, data, settings, cluster);
        }
        var writer = RunLock.Acquire(directory);
        try
        {
            var recorded = File.Exists(Path.Combine(directory, RunDirectory.ConfigFileName)) ? RunDirectory.ReadConfig(directory) : null;
            if (recorded is not null && (recorded.Data != data.Source || !TrainingState.Extends(config, recorded.Config)))
                throw new RunStoreException($"{Path.GetFullPath(directory)} holds another run ({ConfigurationText.Describe(
                    ConfigurationText.Differences(recorded.Config, recorded.Data, config, data.Source), RunDirectory.ConfigFileName, "this run")})");
            var latest = LatestOfSameRun(settings.StoreLocation, recorded?.RunId, config, data);
            var file = Record(config, data, recorded?.RunId ?? latest?.RunId, settings);
            if (file != recorded) RunDirectory.WriteConfig(directory, file);
            return Begin(writer, latest, file, data, settings, cluster);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    private static RunConfigFile Record(TrainingConfig config, DataSplit data, Guid? runId, RunSettings settings) =>
        new(config, data.Source, runId ?? Guid.NewGuid(), RecordedSettings.Of(settings));

    /// <summary>
    /// The store's latest checkpoint, read once; refused when another run wrote it, unless <paramref name="config"/> is
    /// its run or extends it, and unless its model fits the images.
    /// </summary>
    private static Checkpoint? LatestOfSameRun(StoreLocation store, Guid? runId, TrainingConfig config, DataSplit data)
    {
        var latest = CheckpointStore.LatestOrNull(store, runId);
        if (latest is null) return null;
        if (!TrainingState.Extends(config, latest.State.Config))
            throw new RunStoreException($"{store} holds a run of another configuration ({ConfigurationText.Describe(
                ConfigurationText.Differences(latest.State.Config, data.Source, config, data.Source), "the store", "this run")})");
        if (latest.State.Parameters.N != data.Train.PixelCount)
            throw new ArgumentException($"the data set has {data.Train.PixelCount} pixels per image, the stored model N = {latest.State.Parameters.N}");
        return latest;
    }

    private static RunPlan Begin(RunLock writer, Checkpoint? latest, RunConfigFile recorded, DataSplit data, RunSettings settings,
        ClusterSettings? cluster) =>
        new(writer, latest?.State.WithRounds(recorded.Config.Rounds) ?? TrainingState.Start(recorded.Config, data.Train), latest is not null,
            recorded, data, settings, cluster);

    public void Dispose() => _writer.Dispose();
}
