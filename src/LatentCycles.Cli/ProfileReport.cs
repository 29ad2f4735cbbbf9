using System.Globalization;
using System.Text.Json;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli;

/// <summary>The per-phase table of <c>--profile</c> (train, resume, bench --train) and its JSON form.</summary>
internal static class ProfileReport
{
    /// <summary>One line per phase with its mean milliseconds per round and share of the round, then the round's total.</summary>
    public static void Write(TextWriter output, RoundProfile profile)
    {
        var round = profile.MeanRoundMilliseconds;
        output.WriteLine($"round phases, mean over {profile.Rounds} rounds:");
        output.WriteLine($"{"phase",-14} {"ms/round",10} {"share",7}");
        var phases = profile.MeanMilliseconds();
        foreach (var (phase, ms) in phases)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name(phase),-14} {ms,10:F3} {Share(ms, round),7:P1}"));
        var unattributed = round - phases.Sum(p => p.Milliseconds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"unattributed",-14} {unattributed,10:F3} {Share(unattributed, round),7:P1}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"round",-14} {round,10:F3}"));
    }

    /// <summary>Mean milliseconds per round by snake_case phase name, plus <c>round</c>: the whole round.</summary>
    public static SortedDictionary<string, double> MillisecondsByPhase(RoundProfile profile)
    {
        var byPhase = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (phase, ms) in profile.MeanMilliseconds()) byPhase[Name(phase)] = Math.Round(ms, 4);
        byPhase["round"] = Math.Round(profile.MeanRoundMilliseconds, 4);
        return byPhase;
    }

    private static double Share(double ms, double round) => round > 0 ? ms / round : 0;

    private static string Name(RoundPhase phase) => JsonNamingPolicy.SnakeCaseLower.ConvertName(phase.ToString());
}
