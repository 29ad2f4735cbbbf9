using System.CommandLine;

namespace LatentCycles.Cli.Commands;

/// <summary>Options of the commands that read a run's checkpoints.</summary>
internal static class CheckpointOptions
{
    public static Option<int?> Round() => new("--round")
    {
        Description = "Use the latest checkpoint at or before this round [default: the latest]",
    };

    /// <summary>Where the run's checkpoints are when not in DIR/run.db (a cluster's PostgreSQL store).</summary>
    public static Option<string?> Store() => new("--store")
    {
        Description = "Checkpoint store of the run: sqlite:PATH, postgres://user:password@host:port/database or an Npgsql connection string [default: DIR/run.db]",
    };
}
