using System.CommandLine;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// The options of a cluster process: <c>train</c>/<c>resume --cluster</c> (the coordinator) and <c>node</c> (a worker).
/// See docs/CLUSTER.md.
/// </summary>
internal sealed record ClusterOptions(Option<bool> Cluster, Option<int?> Port, Option<string> Hostname, Option<int> MinWorkers, Option<string[]> Seeds,
    Option<int> DataPort)
{
    public static ClusterOptions Create() => new(
        new Option<bool>("--cluster") { Description = "Run as the coordinator of a cluster: workers join with latentcycles node --seed HOST:PORT" },
        new Option<int?>("--port") { Description = $"Port to listen on [default: {ClusterSettings.DefaultCoordinatorPort} for the coordinator, any free port for a worker]" },
        new Option<string>("--hostname")
        {
            Description = "Address to bind and advertise: one the other machines can reach (127.0.0.1: this machine only)",
            DefaultValueFactory = _ => new ClusterSettings().Hostname,
        },
        new Option<int>("--min-workers") { Description = "Worker processes to wait for before the first round", DefaultValueFactory = _ => 0 },
        new Option<string[]>("--seed")
        {
            Description = "HOST:PORT of the coordinator to join (repeat for several)",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        },
        new Option<int>("--data-port")
        {
            Description = "Port of the worker's data plane, which the coordinator connects to for the rounds' bulk bytes (default: any free port)",
            DefaultValueFactory = _ => 0,
        });

    /// <summary>The coordinator's settings, or null without <c>--cluster</c> (then the other cluster options are refused).</summary>
    public ClusterSettings? ReadCoordinator(ParseResult parseResult)
    {
        if (!parseResult.GetValue(Cluster))
        {
            foreach (var option in new Option[] { Port, MinWorkers })
                if (parseResult.GetResult(option) is { Implicit: false })
                    throw new CliException($"{option.Name} needs --cluster");
            return null;
        }
        var settings = Validated(new ClusterSettings
        {
            Hostname = parseResult.GetValue(Hostname)!,
            Port = parseResult.GetValue(Port) ?? ClusterSettings.DefaultCoordinatorPort,
            MinWorkers = parseResult.GetValue(MinWorkers),
        });
        try
        {
            // Before anything is written, so a busy port leaves no half-made run directory behind.
            settings.RequirePortFreeAsync().GetAwaiter().GetResult();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        return settings;
    }

    /// <summary>A worker's settings: the seeds it joins, where it listens.</summary>
    public ClusterSettings ReadWorker(ParseResult parseResult) => Validated(new ClusterSettings
    {
        Hostname = parseResult.GetValue(Hostname)!,
        Port = parseResult.GetValue(Port) ?? 0,
        Seeds = parseResult.GetValue(Seeds) ?? [],
        DataPort = parseResult.GetValue(DataPort),
    });

    private static ClusterSettings Validated(ClusterSettings settings)
    {
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        return settings;
    }
}
