using System.CommandLine;

namespace LatentCycles.Cli.Commands;

/// <summary>Options of the commands that read a run's checkpoints.</summary>
internal static class CheckpointOptions
{
    public static Option<int?> Round() => new("--round")
    {
        Description = "Use the latest checkpoint at or before this round (default: the latest)",
    };
}
