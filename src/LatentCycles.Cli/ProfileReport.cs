using System.Globalization;
using System.Text.Json;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli;

/// <summary>The per-phase table of <c>--profile</c> (train, resume, bench --train) and its JSON form.</summary>
internal static class ProfileReport
{
    /// <summary>
    /// One line per phase with its mean milliseconds per round, share of the round, median and fewest milliseconds in one
    /// round, then the round's total. On a shared machine the median is the typical round, the fewest what a phase costs
    /// with nothing in its way, and the mean what the run paid, slow rounds included. Evaluation (on its own thread) and
    /// the parameter terms (while the chains sweep) run beside the rounds' critical path, so they have no share.
    /// </summary>
    public static void Write(TextWriter output, RoundProfile profile)
    {
        var round = profile.MeanRoundMilliseconds;
        output.WriteLine($"round phases over {profile.Rounds} rounds:");
        output.WriteLine($"{"phase",-16} {"mean ms",10} {"share",7} {"median ms",10} {"fewest ms",10}");
        var phases = profile.MeanMilliseconds();
        var medians = profile.MedianMilliseconds();
        var fewest = profile.FewestMilliseconds();
        for (var j = 0; j < phases.Count; j++)
        {
            var (phase, ms) = phases[j];
            var share = RoundProfile.IsBesideTheRounds(phase) ? "beside" : Share(ms, round).ToString("P1", CultureInfo.InvariantCulture);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Name(phase),-16} {ms,10:F3} {share,7} {medians[j].Milliseconds,10:F3} {fewest[j].Milliseconds,10:F3}"));
        }
        var unattributed = round - phases.Where(p => !RoundProfile.IsBesideTheRounds(p.Phase)).Sum(p => p.Milliseconds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"unattributed",-16} {unattributed,10:F3} {Share(unattributed, round),7:P1}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"round",-16} {round,10:F3} {1,7:P1} {profile.MedianRoundMilliseconds,10:F3} {profile.ShortestRoundMilliseconds,10:F3}"));
        // A collection stops every thread of the process, so their count per round belongs beside the phases.
        var rounds = Math.Max(1, profile.Rounds);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"garbage collections in this process: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2 ({(double)GC.CollectionCount(0) / rounds:F2} per round)"));
    }

    /// <summary>Mean milliseconds per round by snake_case phase name, plus <c>round</c>: the whole round.</summary>
    public static SortedDictionary<string, double> MillisecondsByPhase(RoundProfile profile) =>
        ByPhaseName(profile.MeanMilliseconds(), profile.MeanRoundMilliseconds);

    /// <summary>Median milliseconds of each phase in one round by snake_case phase name, plus <c>round</c>: the whole round.</summary>
    public static SortedDictionary<string, double> MedianMillisecondsByPhase(RoundProfile profile) =>
        ByPhaseName(profile.MedianMilliseconds(), profile.MedianRoundMilliseconds);

    private static SortedDictionary<string, double> ByPhaseName(IReadOnlyList<(RoundPhase Phase, double Milliseconds)> phases, double round)
    {
        var byPhase = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (phase, ms) in phases) byPhase[Name(phase)] = Math.Round(ms, 4);
        byPhase["round"] = Math.Round(round, 4);
        return byPhase;
    }

    private static double Share(double ms, double round) => round > 0 ? ms / round : 0;

    private static string Name(RoundPhase phase) => JsonNamingPolicy.SnakeCaseLower.ConvertName(phase.ToString());
}
