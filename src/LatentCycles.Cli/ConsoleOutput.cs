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

/// <summary>How figures are shown to people (JSON keeps full precision): fixed-point notation throughout, never an exponent.</summary>
internal static class Format
{
    public static string Number(double? value, string missing = "n/a", int digits = 4) =>
        value is { } v ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : missing;

    /// <summary>
    /// "mean ± error" with both in fixed point to the same decimals: enough for two significant digits of the error,
    /// at least 2 and at most 6 (so 0.0034 and 0.000036 both read as decimals, never as 3.6E-05).
    /// </summary>
    public static string WithError(double? mean, double? standardError)
    {
        if (mean is not { } m) return "n/a";
        if (standardError is not { } se || !double.IsFinite(se)) return m.ToString("F3", CultureInfo.InvariantCulture);
        var digits = se > 0 ? Math.Clamp(1 - (int)Math.Floor(Math.Log10(se)), 2, 6) : 3;
        var format = "F" + digits;
        return $"{m.ToString(format, CultureInfo.InvariantCulture)} ± {se.ToString(format, CultureInfo.InvariantCulture)}";
    }

    /// <summary>A rate or count in three significant digits with k or M, e.g. 1.05 M.</summary>
    public static string Compact(double value) => Math.Abs(value) switch
    {
        >= 1e6 => (value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e4 => (value / 1e3).ToString("0", CultureInfo.InvariantCulture) + " k",
        >= 1e3 => (value / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " k",
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };
}
