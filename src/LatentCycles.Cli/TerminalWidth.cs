using System.Globalization;
using Spectre.Console;

namespace LatentCycles.Cli;

/// <summary>The columns a live line may use: <c>COLUMNS</c> when the shell exports it, else what the console reports.</summary>
internal static class TerminalWidth
{
    public static int Of(IAnsiConsole console, Func<string, string?> environment) =>
        int.TryParse(environment("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? columns
            : console.Profile.Width;
}
