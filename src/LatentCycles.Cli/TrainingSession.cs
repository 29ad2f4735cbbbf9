using System.Globalization;
using LatentCycles.Cli.Commands;
using LatentCycles.Core.Data;
using LatentCycles.Core.Training;
using LatentCycles.Training;
using Spectre.Console;

namespace LatentCycles.Cli;

/// <summary>
/// Runs <see cref="TrainingRunner.RunAsync"/> (or, with cluster settings, <see cref="TrainingRunner.RunClusterAsync"/>)
/// for <c>train</c> and <c>resume</c>: live progress, Ctrl-C and SIGTERM as a clean stop (the runner checkpoints), cluster
/// news on stderr, and the final summary. Exit codes: 0 finished, 130 stopped, 3 diverged.
/// </summary>
internal static class TrainingSession
{
    public const int StoppedExitCode = 130;
    public const int DivergedExitCode = 3;

    /// <summary>Plain progress lines per run when stdout is not a terminal (plus every evaluation round).</summary>
    private const int PlainProgressLines = 20;

    public static int Run(TrainingState start, DataSplit data, RunSettings settings, ClusterSettings? cluster, bool json,
        TextWriter output, TextWriter error)
    {
        var errorGate = new object();
        Func<Action<RoundProgress>, CancellationToken, Task<RunResult>> train = cluster is null
            ? (onProgress, token) => TrainingRunner.RunAsync(start, data, settings, onProgress, token)
            : (onProgress, token) => TrainingRunner.RunClusterAsync(start, data, settings, cluster, onProgress, notice =>
            {
                lock (errorGate) error.WriteLine(notice);
            }, token);
        var interactive = !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = Consoles.For(output, interactive);
        var config = start.Config;
        var tracker = new ProgressTracker(showNodes: cluster is not null);

        // The first Ctrl-C asks for a clean stop at the next round boundary; a second one ends the process at once.
        var stop = new StopSignals();
        RunResult result;
        try
        {
            result = interactive
                ? RunWithProgressBar(console, start, train, tracker, stop.Token)
                : RunWithProgressLines(output, start, train, tracker, stop.Token);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        finally
        {
            stop.Dispose();
        }

        switch (result.Outcome)
        {
            case RunOutcome.Diverged:
                error.WriteLine($"error: {result.Message ?? "training diverged"} (run {settings.RunDirectory}, last good round {result.State.Round})");
                return DivergedExitCode;
            case RunOutcome.Stopped:
                error.WriteLine($"stopped at round {result.State.Round} of {config.Rounds}; continue with: latentcycles resume {settings.RunDirectory}");
                break;
        }

        var summary = tracker.Summary(result, settings.RunDirectory, settings.Profile);
        console.Write(SummaryTable(summary));
        if (settings.Profile is { } profile) ProfileReport.Write(output, profile);
        if (json) CommandConventions.WriteJsonLine(output, summary);
        return result.Outcome == RunOutcome.Stopped ? StoppedExitCode : 0;
    }

    private static RunResult RunWithProgressBar(IAnsiConsole console, TrainingState start,
        Func<Action<RoundProgress>, CancellationToken, Task<RunResult>> train, ProgressTracker tracker, CancellationToken stop)
    {
        var total = start.Config.Rounds;
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape($"round {start.Round}/{total}"), maxValue: total);
                task.Value = start.Round;
                return train(progress =>
                {
                    tracker.Record(progress);
                    task.Value = progress.Metrics.Round + 1;
                    task.Description = Markup.Escape(tracker.Describe(progress, total));
                }, stop).GetAwaiter().GetResult();
            });
    }

    private static RunResult RunWithProgressLines(TextWriter output, TrainingState start,
        Func<Action<RoundProgress>, CancellationToken, Task<RunResult>> train, ProgressTracker tracker, CancellationToken stop)
    {
        var total = start.Config.Rounds;
        var every = Math.Max(1, (total - start.Round) / PlainProgressLines);
        var gate = new object();
        return train(progress =>
        {
            tracker.Record(progress);
            var round = progress.Metrics.Round + 1;
            if (round % every != 0 && round != total && progress.TestLogLikelihood is null) return;
            lock (gate) output.WriteLine(tracker.Describe(progress, total));
        }, stop).GetAwaiter().GetResult();
    }

    private static Table SummaryTable(TrainingSummary s)
    {
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("outcome", s.Outcome);
        table.AddRow("rounds completed", s.Rounds.ToString(CultureInfo.InvariantCulture));
        table.AddRow("test log-likelihood (nats)", Format.WithError(s.TestLlNats, s.TestLlSeNats));
        table.AddRow("train log-likelihood (nats)", Format.WithError(s.TrainLlNats, s.TrainLlSeNats));
        table.AddRow("entropy production (nats/step)", Format.Number(s.EntropyProductionNats, "undefined"));
        table.AddRow("mean self-transition", Format.Number(s.SelfTransition));
        table.AddRow("largest current", Format.Number(s.LargestCurrent));
        table.AddRow("wall time (s)", Format.Number(s.WallSeconds, digits: 1));
        table.AddRow("chain steps per second", Format.Number(s.ChainStepsPerSecond, digits: 0));
        table.AddRow("run directory", Markup.Escape(s.RunDirectory));
        return table;
    }

    /// <summary>
    /// The JSON summary of a run (the last stdout line with <c>--json</c>). Log-likelihoods are the last fresh-sample
    /// evaluation of this session; the kernel observables are the chains' estimate of the last round.
    /// </summary>
    internal sealed record TrainingSummary(
        string Outcome,
        int Rounds,
        double? TestLlNats,
        double? TestLlSeNats,
        double? TrainLlNats,
        double? TrainLlSeNats,
        double? EntropyProductionNats,
        double? SelfTransition,
        double? LargestCurrent,
        double WallSeconds,
        double ChainStepsPerSecond,
        string RunDirectory,
        IReadOnlyDictionary<string, double>? ProfileMsPerRound);

    /// <summary>Collects what the summary needs from the runner's progress callbacks (called from the runner's thread).</summary>
    private sealed class ProgressTracker(bool showNodes)
    {
        private readonly object _gate = new();
        private RoundProgress? _latest;
        private LikelihoodFigure? _test, _train;
        private int _roundsRun;

        public void Record(RoundProgress progress)
        {
            lock (_gate)
            {
                _latest = progress;
                _roundsRun++;
                if (progress.TestLogLikelihood is { } test) _test = test;
                if (progress.TrainLogLikelihood is { } train) _train = train;
            }
        }

        public string Describe(RoundProgress p, int totalRounds)
        {
            var line = $"round {p.Metrics.Round + 1}/{totalRounds}  {p.RoundsPerSecond:F2} rounds/s  {p.ChainStepsPerSecond:N0} chain steps/s";
            if (showNodes) line += $"  {p.Nodes} nodes";
            LikelihoodFigure? test;
            lock (_gate) test = _test;
            if (test is not null) line += $"  test LL {Format.WithError(test.MeanNats, test.StandardErrorNats)} nats";
            return line + $"  entropy production {Format.Number(p.Metrics.EntropyProduction, "undefined")} nats";
        }

        public TrainingSummary Summary(RunResult result, string runDirectory, RoundProfile? profile)
        {
            lock (_gate)
            {
                var config = result.State.Config;
                var steps = (double)_roundsRun * config.Chains * config.Sweeps;
                var metrics = _latest?.Metrics;
                return new TrainingSummary(
                    result.Outcome.ToString().ToLowerInvariant(),
                    result.State.Round,
                    _test?.MeanNats, _test?.StandardErrorNats, _train?.MeanNats, _train?.StandardErrorNats,
                    metrics?.EntropyProduction, metrics?.SelfTransition, metrics?.LargestCurrent,
                    result.WallSeconds,
                    result.WallSeconds > 0 ? steps / result.WallSeconds : 0,
                    Path.GetFullPath(runDirectory),
                    profile is null ? null : ProfileReport.MillisecondsByPhase(profile));
            }
        }
    }
}
