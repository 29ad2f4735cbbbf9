using System.Diagnostics;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// The end-to-end half of <c>bench --train</c>: the real actor trainer, as <c>train --evaluate-every 0</c> runs it, in a
/// temporary run directory that is deleted afterwards.
/// </summary>
internal static class TrainBench
{
    /// <summary>Enough rounds for a warm-up fifth and a measured rest.</summary>
    public const int MinimumRounds = 10;

    /// <param name="StepsPerSecond">Chain steps per wall second over the measured rounds.</param>
    /// <param name="Profile">The phases of every round, warm-up included.</param>
    public sealed record Result(double StepsPerSecond, RoundProfile Profile);

    /// <summary>
    /// Trains <paramref name="rounds"/> rounds and measures the rounds after the first fifth (JIT warm-up) up to the one
    /// before the last, whose end-of-run evaluation and checkpoint are not part of steady training.
    /// </summary>
    public static Result Run(DataSplit data, int k, int chains, int sweeps, int rounds, int threads)
    {
        var config = new TrainingConfig { K = k, Chains = chains, Sweeps = sweeps, Rounds = rounds };
        var directory = Directory.CreateTempSubdirectory("latentcycles-bench-");
        try
        {
            var profile = new RoundProfile();
            var settings = new RunSettings { RunDirectory = directory.FullName, Threads = threads, EvaluateEvery = 0, Profile = profile };
            var plan = RunAccess.Prepare(config, data, settings);
            var firstMeasured = rounds / 5;
            var lastMeasured = rounds - 2;
            long start = 0, end = 0;
            var result = TrainingRunner.RunAsync(plan, progress =>
            {
                if (progress.Round == firstMeasured) start = Stopwatch.GetTimestamp();
                if (progress.Round == lastMeasured + 1) end = Stopwatch.GetTimestamp();
            }, CancellationToken.None).GetAwaiter().GetResult();
            if (result.Outcome != RunOutcome.Finished) throw new CliException($"the benchmark's training run {result.Outcome.ToString().ToLowerInvariant()}: {result.Message}");
            var seconds = (end - start) / (double)Stopwatch.Frequency;
            return new Result((double)chains * sweeps * (lastMeasured - firstMeasured + 1) / seconds, profile);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
