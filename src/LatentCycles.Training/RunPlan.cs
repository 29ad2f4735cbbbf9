using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training;

/// <summary>
/// A run checked once, before anything runs or is written: its configuration, data and settings are valid, the store's
/// latest checkpoint (read once) and config.json belong to it. <see cref="TrainingRunner"/> carries a plan out without
/// checking any of it again; it only <see cref="Claim"/>s the run directory, which writes config.json when needed.
/// </summary>
public sealed class RunPlan
{
    private readonly RunConfigFile? _recorded;

    private RunPlan(TrainingState start, bool fromCheckpoint, RunConfigFile? recorded, RunConfigFile record, DataSplit data,
        RunSettings settings, ClusterSettings? cluster)
    {
        Start = start;
        FromCheckpoint = fromCheckpoint;
        _recorded = recorded;
        Record = record;
        Data = data;
        Settings = settings;
        Cluster = cluster;
    }

    /// <summary>The state the run continues from: the latest checkpoint (with the plan's rounds), else round 0.</summary>
    public TrainingState Start { get; }

    /// <summary>Whether <see cref="Start"/> is a stored checkpoint.</summary>
    public bool FromCheckpoint { get; }

    /// <summary>What config.json is to say: the configuration, the data, the run's identity and its settings.</summary>
    public RunConfigFile Record { get; }

    /// <summary>The run's identity, which config.json records and every checkpoint carries.</summary>
    public Guid RunId => Record.RunId!.Value;

    public TrainingConfig Config => Start.Config;
    public DataSplit Data { get; }
    public RunSettings Settings { get; }

    /// <summary>The cluster this process coordinates; null for a run on one host.</summary>
    public ClusterSettings? Cluster { get; }

    /// <summary>
    /// Checks a run of <paramref name="config"/> on <paramref name="data"/>, reading and writing nothing but to look: its
    /// run directory must be new, or record this run, or one that <paramref name="config"/> extends by more rounds, or
    /// none; its store must hold no checkpoints of another run.
    /// </summary>
    /// <exception cref="ArgumentException">a setting is invalid, or the stored model does not fit the data.</exception>
    /// <exception cref="RunStoreException">the directory or the store holds another run, or the store cannot be read.</exception>
    public static RunPlan Prepare(TrainingConfig config, DataSplit data, RunSettings settings, ClusterSettings? cluster = null)
    {
        config.Validate();
        settings.Validate(minimumThreads: cluster is null ? 1 : 0);
        cluster?.Validate();
        var directory = settings.RunDirectory;
        var recorded = RunDirectory.ReadConfigOrNull(directory);
        if (recorded is not null && (recorded.Data != data.Source || !TrainingState.Extends(config, recorded.Config)))
            throw new RunStoreException($"{Path.GetFullPath(directory)} holds a run of another configuration ({ConfigurationText.Describe(
                ConfigurationText.Differences(recorded.Config, recorded.Data, config, data.Source), RunDirectory.ConfigFileName, "this run")})");
        var latest = LatestOfSameRun(settings.StoreLocation, recorded?.RunId, config, data);
        var record = new RunConfigFile(config, data.Source, recorded?.RunId ?? latest?.RunId ?? Guid.NewGuid(), RecordedSettings.Of(settings));
        var start = latest?.State.WithRounds(config.Rounds) ?? TrainingState.Start(config, data.Train);
        return new RunPlan(start, latest is not null, recorded, record, data, settings, cluster);
    }

    /// <summary>
    /// Takes the run directory for this process until the lock returned is disposed: a new directory appears with its
    /// config.json at once (<see cref="RunDirectory.Create"/>); an existing one gets config.json rewritten when it does not
    /// say <see cref="Record"/>.
    /// </summary>
    /// <exception cref="RunLockedException">another process writes to the run directory.</exception>
    /// <exception cref="RunStoreException">the directory was created by another process meanwhile.</exception>
    public RunLock Claim()
    {
        var directory = Settings.RunDirectory;
        if (!Directory.Exists(directory)) return RunDirectory.Create(directory, Record);
        var writer = RunLock.Acquire(directory);
        try
        {
            if (Record != _recorded) RunDirectory.WriteConfig(directory, Record);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

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
}
