using LatentCycles.Core.Data;
using LatentCycles.Core.Training;

namespace LatentCycles.Training;

/// <summary>
/// A run checked once, before anything runs: its configuration, data and settings are valid, the store's latest
/// checkpoint (read once) belongs to it, config.json records it, and this process holds the run directory's writer lock
/// until the plan is disposed. <see cref="TrainingRunner"/> carries a plan out without checking any of it again.
/// </summary>
public sealed class RunPlan : IDisposable
{
    private readonly RunLock _writer;

    private RunPlan(RunLock writer, TrainingState start, bool fromCheckpoint, DataSplit data, RunSettings settings, ClusterSettings? cluster)
    {
        _writer = writer;
        Start = start;
        FromCheckpoint = fromCheckpoint;
        Data = data;
        Settings = settings;
        Cluster = cluster;
    }

    /// <summary>The state the run continues from: the latest checkpoint (with the plan's rounds), else round 0.</summary>
    public TrainingState Start { get; }

    /// <summary>Whether <see cref="Start"/> is a stored checkpoint.</summary>
    public bool FromCheckpoint { get; }

    public TrainingConfig Config => Start.Config;
    public DataSplit Data { get; }
    public RunSettings Settings { get; }

    /// <summary>The cluster this process coordinates; null for a run on one host.</summary>
    public ClusterSettings? Cluster { get; }

    /// <summary>
    /// Checks a run of <paramref name="config"/> on <paramref name="data"/> and takes its run directory: a new directory
    /// appears with its config.json at once (<see cref="RunDirectory.Create"/>); an existing one must record this run, or
    /// one that <paramref name="config"/> extends by more rounds (config.json is then rewritten), or none (config.json is
    /// written). A store that holds checkpoints of another run is refused, and nothing is written then.
    /// </summary>
    /// <exception cref="ArgumentException">a setting is invalid.</exception>
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
            var latestOutside = RequireSameRun(settings.StoreLocation, config, data);
            return Begin(RunDirectory.Create(directory, config, data.Source), latestOutside, config, data, settings, cluster);
        }
        var writer = RunLock.Acquire(directory);
        try
        {
            var recorded = File.Exists(Path.Combine(directory, RunDirectory.ConfigFileName)) ? RunDirectory.ReadConfig(directory) : null;
            if (recorded is not null && (recorded.Data != data.Source || !TrainingState.Extends(config, recorded.Config)))
                throw new RunStoreException($"{Path.GetFullPath(directory)} holds another run ({ConfigurationText.Describe(
                    ConfigurationText.Differences(recorded.Config, recorded.Data, config, data.Source), RunDirectory.ConfigFileName, "this run")})");
            var latest = RequireSameRun(settings.StoreLocation, config, data);
            if (recorded is null || recorded.Config != config) RunDirectory.WriteConfig(directory, config, data.Source);
            return Begin(writer, latest, config, data, settings, cluster);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The store's latest checkpoint, read once; refused unless <paramref name="config"/> is its run or extends it, on
    /// images of its size.
    /// </summary>
    private static TrainingState? RequireSameRun(StoreLocation store, TrainingConfig config, DataSplit data)
    {
        var latest = CheckpointStore.LatestOrNull(store);
        if (latest is null) return null;
        if (!TrainingState.Extends(config, latest.Config))
            throw new RunStoreException($"{store} holds a run of another configuration ({ConfigurationText.Describe(
                ConfigurationText.Differences(latest.Config, data.Source, config, data.Source), "the store", "this run")})");
        if (latest.Parameters.N != data.Train.PixelCount)
            throw new ArgumentException($"the data set has {data.Train.PixelCount} pixels per image, the stored model N = {latest.Parameters.N}");
        return latest;
    }

    private static RunPlan Begin(RunLock writer, TrainingState? latest, TrainingConfig config, DataSplit data, RunSettings settings,
        ClusterSettings? cluster) =>
        new(writer, latest?.WithRounds(config.Rounds) ?? TrainingState.Start(config, data.Train), latest is not null, data, settings, cluster);

    public void Dispose() => _writer.Dispose();
}
