using System.Globalization;
using Spectre.Console;

namespace LatentCycles.Cli;

/// <summary>Spectre.Console consoles over the command's output writer.</summary>
internal static class Consoles
{
    /// <summary>
    /// A console writing to <paramref name="output"/>: with colours and live widgets only when it is an interactive
    /// terminal, plain text otherwise (pipes, files, tests).
    /// </summary>
    public static IAnsiConsole For(TextWriter output, bool interactive) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
    });
}

/// <summary>How figures are shown to people (JSON keeps full precision).</summary>
internal static class Format
{
    public static string Number(double? value, string missing = "n/a", int digits = 4) =>
        value is { } v ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : missing;

    public static string WithError(double? mean, double? standardError) =>
        mean is { } m
            ? standardError is { } se
                ? $"{m.ToString("F3", CultureInfo.InvariantCulture)} ± {se.ToString("G2", CultureInfo.InvariantCulture)}"
                : m.ToString("F3", CultureInfo.InvariantCulture)
            : "n/a";
}
