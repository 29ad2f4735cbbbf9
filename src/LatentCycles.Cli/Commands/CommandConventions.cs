using System.CommandLine;
using System.Text.Json;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// What every command shares: the <c>--json</c> option, and the machine-readable result printed as one JSON object
/// (snake_case keys, units in the key names) on the last line of stdout.
/// </summary>
internal static class CommandConventions
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Also print the result as one JSON object on the last line of stdout",
    };

    /// <summary>The option that lets a command replace an existing output file (see <see cref="OutputFile.Claim"/>).</summary>
    public static Option<bool> ForceOption() => new("--force")
    {
        Description = "Replace the output file if it exists (a run's own files are never replaced)",
    };

    /// <summary>Writes <paramref name="result"/> (an object whose properties become snake_case keys) as one line.</summary>
    public static void WriteJsonLine(TextWriter output, object result) =>
        output.WriteLine(JsonSerializer.Serialize(result, result.GetType(), JsonOptions));
}
