using System.CommandLine;
using LatentCycles.Cli.Dashboard;
using LatentCycles.Cli.Reporting;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles dashboard DIR</c>: serves the page that <c>train --dashboard</c> serves live, for a run that is not
/// running: its curves from metrics.csv and the pictures of its latest checkpoint's model. Runs until Ctrl-C or SIGTERM.
/// </summary>
internal static class DashboardCommand
{
    public const int DefaultPort = 8080;

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Run directory" };
        var port = new Option<int>("--port") { Description = "Port to serve on; 0 picks a free port", DefaultValueFactory = _ => DefaultPort };
        var host = new Option<string>("--host")
        {
            Description = "Address to listen on (0.0.0.0: every interface)",
            DefaultValueFactory = _ => DashboardSettings.DefaultHost,
        };
        var store = CheckpointOptions.Store();
        var json = CommandConventions.JsonOption();
        var command = new Command("dashboard", "Serve the dashboard of a run that is not running") { directory, port, host, store, json };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var (config, dataReference) = RunAccess.ReadConfig(path);
            var state = RunAccess.LoadState(path, round: null, parseResult.GetValue(store));
            var metrics = RunAccess.ReadMetrics(Path.Combine(path, RunDirectory.MetricsFileName));
            var settings = DashboardOptions.Validated(parseResult.GetValue(host)!, parseResult.GetValue(port), "--host", "--port");

            var feed = new RunFeed(new RunHeader(Path.GetFullPath(path), DashboardRounds.Describe(config, dataReference), config.Rounds,
                0, state.IsFinished ? "finished" : "not running"), config.Seed);
            feed.Load(metrics.Select(DashboardRounds.From));
            feed.ShowModel(state.Round, state.Parameters);
            var output = parseResult.InvocationConfiguration.Output;
            using var stop = new StopSignals();
            var server = DashboardServer.StartAsync(feed, settings.Host, settings.Port).GetAwaiter().GetResult();
            output.WriteLine($"dashboard of {Path.GetFullPath(path)} (round {state.Round} of {config.Rounds}) at {server.Address}; Ctrl-C stops it");
            try
            {
                stop.Token.WaitHandle.WaitOne();
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            if (parseResult.GetValue(json))
                CommandConventions.WriteJsonLine(output, new { Url = server.Address.ToString(), Round = state.Round, RunDirectory = Path.GetFullPath(path) });
            return 0;
        });
        return command;
    }
}
