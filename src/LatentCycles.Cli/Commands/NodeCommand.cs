using System.CommandLine;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles node --seed HOST:PORT</c>: a worker of a cluster. Joins the coordinator's cluster, runs chain workers
/// on its threads, takes blocks from the round after it registers, and joins again when the cluster drops it. Runs until
/// Ctrl-C or SIGTERM (exit 0); the run's result does not depend on when workers come and go.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var cluster = ClusterOptions.Create();
        var threads = new Option<int>("--threads") { Description = "Chain worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var log = new Option<string?>("--log") { Description = "File for Akka's log (default latentcycles-node-<pid>.log in the temporary directory)" };
        var profileOption = new Option<bool>("--profile")
        {
            Description = "When stopped, print the mean milliseconds per assignment of each of this worker's phases",
        };
        var json = CommandConventions.JsonOption();
        cluster.Seeds.Required = true;
        var command = new Command("node", "Join a cluster as a worker (see docs/CLUSTER.md)")
        {
            cluster.Seeds, cluster.Port, cluster.Hostname, cluster.DataPort, threads, log, profileOption, json,
        };
        command.SetAction(parseResult =>
        {
            var settings = cluster.ReadWorker(parseResult);
            var threadCount = parseResult.GetValue(threads);
            if (threadCount < 1) throw new CliException($"--threads must be at least 1, got {threadCount}");
            var logFile = parseResult.GetValue(log) ?? Path.Combine(Path.GetTempPath(), $"latentcycles-node-{Environment.ProcessId}.log");
            var output = parseResult.InvocationConfiguration.Output;
            var gate = new object();
            var profile = parseResult.GetValue(profileOption) ? new RoundProfile() : null;
            using (var stop = new StopSignals())
            {
                try
                {
                    WorkerNode.RunAsync(settings, threadCount, logFile, notice =>
                    {
                        lock (gate) output.WriteLine(notice);
                    }, stop.Token, profile).GetAwaiter().GetResult();
                }
                catch (ArgumentException e)
                {
                    throw new CliException(e.Message);
                }
            }
            lock (gate)
            {
                output.WriteLine("node stopped");
                if (profile is not null) ProfileReport.Write(output, profile);
                if (parseResult.GetValue(json))
                    CommandConventions.WriteJsonLine(output, new
                    {
                        Outcome = "stopped",
                        Seeds = parseResult.GetValue(cluster.Seeds),
                        Hostname = parseResult.GetValue(cluster.Hostname),
                        Threads = threadCount,
                    });
            }
            return 0;
        });
        return command;
    }
}
