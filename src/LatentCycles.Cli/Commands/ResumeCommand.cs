using System.CommandLine;
using LatentCycles.Core.Data;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles resume DIR</c>: continues a run from its latest checkpoint with the configuration and data it was
/// started with. Because every random draw is keyed by (seed, chain, round, sweep), the resumed run ends with the same
/// parameters as an uninterrupted one (MODEL.md §8). A finished run is refused and left untouched.
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
        var json = CommandConventions.JsonOption();
        var command = new Command("resume", "Continue an interrupted run from its latest checkpoint")
        {
            finishedOk,
            directory, run.CheckpointEvery, run.EvaluateEvery, run.Threads, run.Store,
            cluster.Cluster, cluster.Port, cluster.Hostname, cluster.MinWorkers, dashboard.Port, dashboard.Host, json,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var clusterSettings = cluster.ReadCoordinator(parseResult);
            var dashboardSettings = dashboard.Read(parseResult);
            var settings = run.Read(parseResult, path, clusterSettings is not null);
            var (config, dataReference) = RunAccess.ReadConfig(path);
            var state = RunAccess.LoadState(path, round: null, settings.Store);
            if (state.Config != config)
                throw new CliException($"{path}: the checkpoints and {RunDirectory.ConfigFileName} describe different runs");
            if (state.IsFinished)
            {
                if (!parseResult.GetValue(finishedOk))
                    throw new CliException($"run {path} is already finished (round {state.Round} of {config.Rounds})");
                parseResult.InvocationConfiguration.Error.WriteLine($"run {path} is already finished (round {state.Round} of {config.Rounds}); nothing to do");
                return 0;
            }
            var split = DataSetLoader.Load(dataReference);

            var console = parseResult.InvocationConfiguration;
            console.Output.WriteLine($"resuming {Path.GetFullPath(path)} at round {state.Round} of {config.Rounds}");
            return TrainingSession.Run(state, split, settings, clusterSettings, dashboardSettings, parseResult.GetValue(json), console.Output, console.Error);
        });
        return command;
    }
}
