using System.CommandLine;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>The options that say how a run executes (not what it computes), shared by <c>train</c> and <c>resume</c>.</summary>
internal sealed record RunOptions(Option<int> CheckpointEvery, Option<int> KeepCheckpoints, Option<int> EvaluateEvery, Option<int> Threads,
    Option<string?> Store, Option<bool> Profile)
{
    /// <param name="clusterCapable">The command also runs as a cluster's coordinator (train, resume), which may leave the chains to its workers.</param>
    public static RunOptions Create(bool clusterCapable = true)
    {
        var defaults = new RunSettings { RunDirectory = "." };
        return new RunOptions(
            new Option<int>("--checkpoint-every") { Description = "Rounds between checkpoints", DefaultValueFactory = _ => defaults.CheckpointEvery },
            new Option<int>("--keep-checkpoints")
            {
                Description = "How many of the newest checkpoints to keep (0: all); the metrics of every round are kept",
                DefaultValueFactory = _ => defaults.KeepCheckpoints,
                HelpName = "N",
            },
            new Option<int>("--evaluate-every")
            {
                Description = "Rounds between fresh-sample log-likelihood estimates (0: only at the end)",
                DefaultValueFactory = _ => defaults.EvaluateEvery,
            },
            new Option<int>("--threads")
            {
                Description = clusterCapable ? "Chain worker threads (with --cluster, 0 leaves the chains to the workers)" : "Chain worker threads",
                DefaultValueFactory = _ => defaults.Threads,
            },
            CheckpointOptions.Store(),
            new Option<bool>("--profile") { Description = "Print the mean milliseconds per round of each round phase at the end" });
    }

    /// <summary>
    /// The run's settings; a cluster's coordinator may have no chain threads of its own. A setting the command line does
    /// not give is <paramref name="recorded"/>'s, when given (how the run being resumed was started), else the default.
    /// </summary>
    public RunSettings Read(ParseResult parseResult, string runDirectory, bool cluster = false, RecordedSettings? recorded = null)
    {
        var settings = new RunSettings
        {
            RunDirectory = runDirectory,
            CheckpointEvery = GivenOr(parseResult, CheckpointEvery, recorded?.CheckpointEvery),
            KeepCheckpoints = GivenOr(parseResult, KeepCheckpoints, recorded?.KeepCheckpoints),
            EvaluateEvery = GivenOr(parseResult, EvaluateEvery, recorded?.EvaluateEvery),
            Threads = GivenOr(parseResult, Threads, recorded?.Threads),
            Store = parseResult.GetValue(Store),
            Profile = parseResult.GetValue(Profile) ? new RoundProfile() : null,
        };
        try
        {
            settings.Validate(minimumThreads: cluster ? 0 : 1);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        return settings;
    }

    private static int GivenOr(ParseResult parseResult, Option<int> option, int? recorded) =>
        recorded is { } value && parseResult.GetResult(option) is null or { Implicit: true } ? value : parseResult.GetValue(option);
}
