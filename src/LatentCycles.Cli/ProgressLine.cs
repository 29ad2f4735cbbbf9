using System.Globalization;
using System.Text;

namespace LatentCycles.Cli;

/// <summary>What the progress line shows after a round; null where not known yet.</summary>
/// <param name="Round">Rounds completed.</param>
/// <param name="EntropyProduction">σ of the chains' kernel estimate of the round, nats per latent step.</param>
/// <param name="Nodes">Nodes that ran the round (shown for a cluster only).</param>
internal sealed record ProgressFields(
    int Round,
    int TotalRounds,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    double ChainStepsPerSecond,
    double? TestLlNats,
    double? TestLlSeNats,
    double? EntropyProduction,
    int? Nodes);

/// <summary>
/// The live progress line of <c>train</c> and <c>resume</c>. On a terminal it is one line that fits the width: fields
/// are dropped from the least important (nodes, speed, elapsed time, σ, test log-likelihood) until it fits, and the
/// bar takes what room is left. In piped output every field is written.
/// </summary>
internal static class ProgressLine
{
    private const int MinBar = 10, MaxBar = 40;
    private const string Separator = "  ";

    /// <summary>One line of at most <paramref name="width"/> − 1 characters (the last column would make some terminals wrap).</summary>
    public static string Fit(ProgressFields f, int width, bool unicode)
    {
        var room = Math.Max(1, width - 1);
        // Fields in the order shown, each with its rank: lower ranks are kept first.
        var fields = new List<(int Rank, string? Text)>
        {
            (0, RoundText(f)),
            (3, null),
            (1, Percent(f)),
            (6, "elapsed " + Duration(f.Elapsed)),
            (2, EtaText(f)),
            (4, TestText(f)),
            (5, SigmaText(f)),
            (7, Format.Compact(f.ChainStepsPerSecond) + " steps/s"),
            (8, NodesText(f)),
        };
        var kept = new bool[fields.Count];
        var used = -Separator.Length;
        foreach (var j in Enumerable.Range(0, fields.Count).OrderBy(j => fields[j].Rank))
        {
            var length = fields[j].Text?.Length ?? (j == 1 ? MinBar : 0);
            if (length == 0 || used + Separator.Length + length > room) continue;
            kept[j] = true;
            used += Separator.Length + length;
        }
        var barWidth = kept[1] ? Math.Min(MaxBar, MinBar + room - used) : 0;
        var parts = new List<string>();
        for (var j = 0; j < fields.Count; j++)
            if (kept[j]) parts.Add(j == 1 ? Bar(f, barWidth, unicode) : fields[j].Text!);
        var line = string.Join(Separator, parts);
        return line.Length <= room ? line : line[..room];
    }

    /// <summary>Every field, for piped output (a log file has no width).</summary>
    public static string Plain(ProgressFields f) =>
        string.Join(Separator, new[]
        {
            RoundText(f) + " (" + Percent(f) + ")", "elapsed " + Duration(f.Elapsed), EtaText(f),
            Format.Compact(f.ChainStepsPerSecond) + " chain steps/s", NodesText(f), TestText(f), SigmaText(f),
        }.Where(s => s is not null));

    /// <summary>m:ss, or h:mm:ss from an hour on.</summary>
    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}:{span.Seconds:00}");

    private static string RoundText(ProgressFields f) => string.Create(CultureInfo.InvariantCulture, $"round {f.Round}/{f.TotalRounds}");

    private static string Percent(ProgressFields f) =>
        string.Create(CultureInfo.InvariantCulture, $"{(f.TotalRounds > 0 ? 100 * f.Round / f.TotalRounds : 100)}%");

    private static string EtaText(ProgressFields f) => "ETA " + (f.Remaining is { } r ? Duration(r) : "…");

    private static string? TestText(ProgressFields f) =>
        f.TestLlNats is null ? null : $"test LL {Format.WithError(f.TestLlNats, f.TestLlSeNats)} nats";

    private static string? SigmaText(ProgressFields f) =>
        f.EntropyProduction is { } s ? $"σ {Format.Number(s)} nats/step" : null;

    private static string? NodesText(ProgressFields f) =>
        f.Nodes is { } n ? string.Create(CultureInfo.InvariantCulture, $"{n} node{(n == 1 ? "" : "s")}") : null;

    private static string Bar(ProgressFields f, int width, bool unicode)
    {
        var done = f.TotalRounds > 0 ? (int)((long)width * f.Round / f.TotalRounds) : width;
        var bar = new StringBuilder(width);
        bar.Append(unicode ? '█' : '#', done);
        bar.Append(unicode ? '░' : '-', width - done);
        return bar.ToString();
    }
}

/// <summary>
/// Estimates the time a run has left from its own measured rounds: the first rounds of a session (JIT compilation,
/// nodes joining, the first checkpoint) are a warm-up left out, and of the rounds after it the newer half sets the pace,
/// so the estimate follows a run that speeds up or slows down; evaluation rounds are part of the pace.
/// </summary>
/// <param name="now">Time since the session started.</param>
internal sealed class RoundClock(int startRound, int totalRounds, Func<TimeSpan> now, int warmUpRounds = RoundClock.DefaultWarmUpRounds)
{
    public const int DefaultWarmUpRounds = 5;

    private readonly List<(int Round, TimeSpan At)> _measured = [];

    /// <summary>Notes that <paramref name="round"/> rounds are complete; returns the time left, or null during the warm-up.</summary>
    public TimeSpan? Record(int round)
    {
        if (round - startRound < warmUpRounds) return null;
        _measured.Add((round, now()));
        if (_measured.Count < 2) return null;
        var (fromRound, fromAt) = _measured[(_measured.Count - 1) / 2];
        var (lastRound, lastAt) = _measured[^1];
        if (lastRound <= fromRound) return null;
        var perRound = (lastAt - fromAt) / (lastRound - fromRound);
        return perRound * Math.Max(0, totalRounds - lastRound);
    }
}
