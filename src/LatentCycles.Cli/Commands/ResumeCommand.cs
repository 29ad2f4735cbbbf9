using System.CommandLine;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles resume DIR</c>: continues a run from its latest checkpoint with the configuration and data it was
/// started with. Because every random draw is keyed by (seed, chain, round, sweep), the resumed run ends with the same
/// parameters as an uninterrupted one (MODEL.md §8); a run stopped before its first checkpoint starts again from round 0.
/// A finished run, or one another process writes to, is refused and left untouched.
/// </summary>
internal static class ResumeCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Run directory" };
        var run = RunOptions.Create();
        var cluster = ClusterOptions.Create();
        var json = CommandConventions.JsonOption();
        var command = new Command("resume", "Continue an interrupted run from its latest checkpoint")
        {
            directory, run.CheckpointEvery, run.EvaluateEvery, run.Threads, run.Store,
            cluster.Cluster, cluster.Port, cluster.Hostname, cluster.MinWorkers, json,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var clusterSettings = cluster.ReadCoordinator(parseResult);
            var settings = run.Read(parseResult, path, clusterSettings is not null);
            RunAccess.RefuseBusy(path);
            var (config, dataReference) = RunAccess.ReadConfig(path);
            var split = DataSetLoader.Load(dataReference);
            LatestOrStart(path, config, split, settings);
            using var writer = RunLock.Acquire(path);
            // Another resume may have run between the look above and the lock.
            var (state, checkpointed) = LatestOrStart(path, config, split, settings);

            var console = parseResult.InvocationConfiguration;
            console.Output.WriteLine(checkpointed
                ? $"resuming {Path.GetFullPath(path)} at round {state.Round} of {config.Rounds}"
                : $"starting {Path.GetFullPath(path)}, which holds no checkpoint yet, at round 0 of {config.Rounds}");
            return TrainingSession.Run(state, split, settings, clusterSettings, parseResult.GetValue(json), console.Output, console.Error);
        });
        return command;
    }

    /// <summary>
    /// The latest checkpoint, or the run's start when it was stopped before its first checkpoint (the start is a function
    /// of the configuration and the data, so the run is the same as if it had never stopped). A finished run is refused.
    /// </summary>
    private static (TrainingState State, bool Checkpointed) LatestOrStart(string path, TrainingConfig config, DataSplit split, RunSettings settings)
    {
        var latest = RunAccess.LatestInStore(settings.StoreLocation);
        var state = latest ?? TrainingState.Start(config, split.Train);
        if (state.Config != config)
            throw new CliException($"{path}: the checkpoints and {RunDirectory.ConfigFileName} describe different runs");
        if (state.IsFinished)
            throw new CliException($"run {path} is already finished (round {state.Round} of {config.Rounds})");
        return (state, latest is not null);
    }
}
