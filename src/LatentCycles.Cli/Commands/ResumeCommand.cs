using System.CommandLine;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles resume DIR</c>: continues a run from its latest checkpoint with the configuration and data it was
/// started with. Because every random draw is keyed by (seed, chain, round, sweep), the resumed run ends with the same
/// parameters as an uninterrupted one (MODEL.md §8); a run stopped before its first checkpoint starts again from round 0.
/// A finished run, or one another process writes to, is refused and left untouched. The run is checked once, into a
/// <see cref="RunPlan"/>, which reads the store's latest checkpoint once.
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
        var data = new Option<string?>("--data")
        {
            Description = $"The data set the run trains on, needed only when its {RunDirectory.ConfigFileName} is missing (checkpoints do not name it) [default: the embedded MNIST-10k]",
        };
        var json = CommandConventions.JsonOption();
        var command = new Command("resume", "Continue an interrupted run from its latest checkpoint, or extend a run with --rounds")
        {
            rounds, finishedOk, data,
            directory, run.CheckpointEvery, run.KeepCheckpoints, run.EvaluateEvery, run.Threads, run.Store, run.Profile,
            cluster.Cluster, cluster.Port, cluster.Hostname, cluster.MinWorkers, dashboard.Port, dashboard.Host, json,
        };
        command.SetAction(parseResult =>
        {
            // The store's queries compile on the other core while the settings are checked and the data loads.
            SqlStoreWarmup.Begin();
            var path = parseResult.GetValue(directory)!;
            var clusterSettings = cluster.ReadCoordinator(parseResult);
            var dashboardSettings = dashboard.Read(parseResult);
            RunAccess.RefuseBusy(path);
            var (recorded, fromCheckpoint) = RunAccess.ReadRecorded(path, parseResult.GetValue(run.Store), parseResult.GetValue(data));
            var settings = run.Read(parseResult, path, clusterSettings is not null, recorded.Settings);
            var config = Extended(recorded.Config, parseResult.GetValue(rounds));
            var split = DataSetLoader.Load(recorded.Data);
            var plan = RunAccess.Prepare(config, split, settings, clusterSettings);
            if (plan.Start.IsFinished) return Finished(parseResult, finishedOk, path, plan.Start);

            var console = parseResult.InvocationConfiguration;
            if (fromCheckpoint)
                console.Output.WriteLine($"{RunDirectory.ConfigFileName} was missing: rewritten from the checkpoint of round {plan.Start.Round}, " +
                                         $"with data {recorded.Data}");
            console.Output.WriteLine(plan.FromCheckpoint
                ? $"resuming {Path.GetFullPath(path)} at round {plan.Start.Round} of {config.Rounds}"
                : $"starting {Path.GetFullPath(path)}, which holds no checkpoint yet, at round 0 of {config.Rounds}");
            return TrainingSession.Run(plan, dashboardSettings, parseResult.GetValue(json), console.Output, console.Error);
        });
        return command;
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
