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
        var dashboard = DashboardOptions.Create();
        var finishedOk = new Option<bool>("--finished-ok")
        {
            Description = "Exit 0 without doing anything when the run is already finished (for supervisors that restart on failure)",
        };
        var rounds = new Option<int?>("--rounds")
        {
            Description = "Extend the run to N rounds in all (at least its own); the result equals a run of N rounds from the start",
            HelpName = "N",
        };
        var json = CommandConventions.JsonOption();
        var command = new Command("resume", "Continue an interrupted run from its latest checkpoint, or extend a run with --rounds")
        {
            rounds, finishedOk,
            directory, run.CheckpointEvery, run.KeepCheckpoints, run.EvaluateEvery, run.Threads, run.Store, run.Profile,
            cluster.Cluster, cluster.Port, cluster.Hostname, cluster.MinWorkers, dashboard.Port, dashboard.Host, json,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var clusterSettings = cluster.ReadCoordinator(parseResult);
            var dashboardSettings = dashboard.Read(parseResult);
            var settings = run.Read(parseResult, path, clusterSettings is not null);
            RunAccess.RefuseBusy(path);
            var (recorded, dataReference, runId) = RunAccess.ReadConfigFile(path);
            var config = Extended(recorded, parseResult.GetValue(rounds));
            if (Latest(path, config, settings, runId) is { IsFinished: true } finished) return Finished(parseResult, finishedOk, path, finished);
            var split = DataSetLoader.Load(dataReference);
            using var writer = RunLock.Acquire(path);
            // Another resume may have run between the look above and the lock.
            var latest = Latest(path, config, settings, runId);
            if (latest is { IsFinished: true }) return Finished(parseResult, finishedOk, path, latest);
            var state = latest ?? TrainingState.Start(config, split.Train);
            if (config != recorded) RunDirectory.WriteConfig(path, new RunConfigFile(config, dataReference, runId));

            var console = parseResult.InvocationConfiguration;
            console.Output.WriteLine(latest is null
                ? $"starting {Path.GetFullPath(path)}, which holds no checkpoint yet, at round 0 of {config.Rounds}"
                : $"resuming {Path.GetFullPath(path)} at round {state.Round} of {config.Rounds}");
            return TrainingSession.Run(state, split, settings, clusterSettings, dashboardSettings, parseResult.GetValue(json), console.Output, console.Error);
        });
        return command;
    }

    /// <summary>
    /// The latest checkpoint, or null when the run stopped before its first one: it then starts again from round 0, which
    /// is a function of the configuration and the data, so the run is the same as if it had never stopped.
    /// </summary>
    private static TrainingState? Latest(string path, TrainingConfig config, RunSettings settings, Guid? runId)
    {
        var latest = RunAccess.LatestInStore(settings.StoreLocation, runId);
        if (latest is null || latest.Config == config) return latest;
        // The checkpoints of a run being extended have the rounds it had when they were written.
        if (TrainingState.Extends(config, latest.Config)) return latest.WithRounds(config.Rounds);
        throw new CliException($"{path}: the checkpoints and {RunDirectory.ConfigFileName} describe different runs");
    }

    /// <summary>The run's configuration, with <c>--rounds</c> its extension to that many rounds.</summary>
    private static TrainingConfig Extended(TrainingConfig recorded, int? rounds)
    {
        if (rounds is not { } n) return recorded;
        if (n < recorded.Rounds)
            throw new CliException($"--rounds must be at least the run's {recorded.Rounds} rounds (a run is extended, never cut short), got {n}");
        return recorded with { Rounds = n };
    }

    /// <summary>A finished run is refused, or with --finished-ok left alone with exit 0.</summary>
    private static int Finished(ParseResult parseResult, Option<bool> finishedOk, string path, TrainingState state)
    {
        var message = $"run {path} is already finished (round {state.Round} of {state.Config.Rounds})";
        if (!parseResult.GetValue(finishedOk)) throw new CliException(message);
        parseResult.InvocationConfiguration.Error.WriteLine($"{message}; nothing to do");
        return 0;
    }
}
