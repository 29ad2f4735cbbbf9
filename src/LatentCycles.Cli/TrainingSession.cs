using System.Diagnostics;
using System.Globalization;
using LatentCycles.Cli.Commands;
using LatentCycles.Cli.Dashboard;
using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;
using LatentCycles.Training;
using Spectre.Console;

namespace LatentCycles.Cli;

/// <summary>
/// Carries out a <see cref="RunPlan"/> with <see cref="TrainingRunner.RunAsync"/> for <c>train</c> and <c>resume</c>: live progress, the dashboard when asked for, Ctrl-C and SIGTERM as a clean stop
/// (the runner checkpoints), cluster news on stderr, and the final summary. Exit codes: 0 finished, 130 stopped, 3 diverged.
/// </summary>
internal static class TrainingSession
{
    public const int StoppedExitCode = 130;
    public const int DivergedExitCode = 3;

    /// <summary>Plain progress lines per run when stdout is not a terminal (plus every evaluation round).</summary>
    private const int PlainProgressLines = 20;

    public static int Run(RunPlan plan, DashboardSettings? dashboard, bool json, TextWriter output, TextWriter error)
    {
        var (start, data, settings, cluster) = (plan.Start, plan.Data, plan.Settings, plan.Cluster);
        var errorGate = new object();
        var interactive = !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = Consoles.For(output, interactive);
        var config = start.Config;
        var tracker = new ProgressTracker(start, showNodes: cluster is not null);

        RunFeed? feed = null;
        DashboardServer? server = null;
        if (dashboard is not null)
        {
            feed = new RunFeed(new RunHeader(Path.GetFullPath(settings.RunDirectory), DashboardRounds.Describe(config, data.Name),
                config.Rounds, settings.CheckpointEvery, "live"), config.Seed);
            feed.Load(RecordedRounds(settings.RunDirectory, start.Round));
            server = DashboardServer.StartAsync(feed, dashboard.Host, dashboard.Port).GetAwaiter().GetResult();
            output.WriteLine($"dashboard at {server.Address}");
        }
        Action<TrainingState>? onCheckpoint = feed is null ? null : state =>
        {
            feed.CheckpointSaved(state.Round);
            feed.ModelChanged(state.Round, state.Parameters);
        };
        Action<string>? onNotice = cluster is null ? null : notice =>
        {
            lock (errorGate) error.WriteLine(notice);
        };
        Func<Action<MetricsRow>, CancellationToken, Task<RunResult>> train = (onProgress, token) =>
            TrainingRunner.RunAsync(plan, feed is null ? onProgress : row =>
            {
                feed.RoundCompleted(DashboardRounds.From(row));
                onProgress(row);
            }, token, onNotice, onCheckpoint);

        // The first Ctrl-C asks for a clean stop at the next round boundary; a second one ends the process at once.
        var stop = new StopSignals();
        RunResult result;
        try
        {
            result = interactive
                ? RunWithProgressLine(console, start, train, tracker, stop.Token)
                : RunWithProgressLines(output, start, train, tracker, stop.Token);
            feed?.RunEnded(result.Outcome.ToString().ToLowerInvariant());
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        finally
        {
            stop.Dispose();
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
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

    /// <summary>The rounds of metrics.csv before <paramref name="round"/>: what a resumed run shows from before this session.</summary>
    private static IEnumerable<RoundPoint> RecordedRounds(string runDirectory, int round)
    {
        var path = Path.Combine(runDirectory, RunDirectory.MetricsFileName);
        return File.Exists(path) ? RunAccess.ReadMetrics(path).Where(row => row.Round <= round).Select(DashboardRounds.From) : [];
    }

    private static RunResult RunWithProgressLine(IAnsiConsole console, TrainingState start,
        Func<Action<MetricsRow>, CancellationToken, Task<RunResult>> train, ProgressTracker tracker, CancellationToken stop)
    {
        var width = TerminalWidth.Of(console, Environment.GetEnvironmentVariable);
        var unicode = console.Profile.Capabilities.Unicode;
        return console.Live(new Text(tracker.Fit(start.Round, width, unicode)))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Crop)
            .Start(context => train(progress =>
            {
                tracker.Record(progress);
                context.UpdateTarget(new Text(tracker.Fit(progress.Round, width, unicode)));
            }, stop).GetAwaiter().GetResult());
    }

    private static RunResult RunWithProgressLines(TextWriter output, TrainingState start,
        Func<Action<MetricsRow>, CancellationToken, Task<RunResult>> train, ProgressTracker tracker, CancellationToken stop)
    {
        var total = start.Config.Rounds;
        var every = Math.Max(1, (total - start.Round) / PlainProgressLines);
        var gate = new object();
        return train(progress =>
        {
            tracker.Record(progress);
            if (progress.Round % every != 0 && progress.Round != total && progress.TestLogLikelihood is null) return;
            lock (gate) output.WriteLine(tracker.Plain(progress.Round));
        }, stop).GetAwaiter().GetResult();
    }

    private static Table SummaryTable(TrainingSummary s)
    {
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("outcome", s.Outcome);
        table.AddRow("rounds completed", s.Rounds.ToString(CultureInfo.InvariantCulture));
        table.AddRow("test log-likelihood (nats)", Format.WithError(s.TestLlNats, s.TestLlSeNats));
        table.AddRow("train log-likelihood (nats)", Format.WithError(s.TrainLlNats, s.TrainLlSeNats));
        table.AddRow("entropy production, chains' estimate (nats/step)", Format.Number(s.ChainsEntropyProductionNats, "undefined"));
        table.AddRow("mean self-transition, chains' estimate", Format.Number(s.ChainsSelfTransition));
        table.AddRow("largest current, chains' estimate", Format.Number(s.ChainsLargestCurrent));
        table.AddRow("wall time (s)", Format.Number(s.WallSeconds, digits: 1));
        table.AddRow("chain steps per second", Format.Number(s.ChainStepsPerSecond, digits: 0));
        table.AddRow("run directory", Markup.Escape(s.RunDirectory));
        return table;
    }

    /// <summary>
    /// The JSON summary of a run (the last stdout line with <c>--json</c>). Log-likelihoods are the last fresh-sample
    /// evaluation of this session; the kernel observables are the chains' estimate of the last round (named so beside
    /// <c>eval</c>'s fresh-sample estimate).
    /// </summary>
    internal sealed record TrainingSummary(
        string Outcome,
        int Rounds,
        double? TestLlNats,
        double? TestLlSeNats,
        double? TrainLlNats,
        double? TrainLlSeNats,
        double? ChainsEntropyProductionNats,
        double? ChainsSelfTransition,
        double? ChainsLargestCurrent,
        double WallSeconds,
        double ChainStepsPerSecond,
        string RunDirectory,
        IReadOnlyDictionary<string, double>? ProfileMsPerRound,
        IReadOnlyDictionary<string, double>? ProfileMedianMsPerRound);

    /// <summary>
    /// Collects what the progress line and the summary need from the runner's progress callbacks (called from the
    /// runner's thread), and times the rounds for the ETA.
    /// </summary>
    private sealed class ProgressTracker
    {
        private readonly object _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly TrainingState _start;
        private readonly bool _showNodes;
        private readonly RoundClock _rounds;
        private MetricsRow? _latest;
        private LikelihoodEstimate? _test, _train;
        private TimeSpan? _remaining;
        private int _roundsRun;

        public ProgressTracker(TrainingState start, bool showNodes)
        {
            _start = start;
            _showNodes = showNodes;
            _rounds = new RoundClock(start.Round, start.Config.Rounds, () => _clock.Elapsed);
        }

        public void Record(MetricsRow progress)
        {
            lock (_gate)
            {
                _latest = progress;
                _roundsRun++;
                if (progress.TestLogLikelihood is { } test) _test = test;
                if (progress.TrainLogLikelihood is { } train) _train = train;
                _remaining = _rounds.Record(progress.Round);
            }
        }

        public string Fit(int round, int width, bool unicode) => ProgressLine.Fit(Fields(round), width, unicode);

        public string Plain(int round) => ProgressLine.Plain(Fields(round));

        private ProgressFields Fields(int round)
        {
            lock (_gate)
                return new ProgressFields(round, _start.Config.Rounds, _clock.Elapsed, _remaining, _latest?.ChainStepsPerSecond ?? 0,
                    _test?.MeanNats, _test?.StandardErrorNats, _latest?.EntropyProduction, _showNodes ? _latest?.Nodes : null);
        }

        public TrainingSummary Summary(RunResult result, string runDirectory, RoundProfile? profile)
        {
            lock (_gate)
            {
                var config = result.State.Config;
                var steps = (double)_roundsRun * config.Chains * config.Sweeps;
                var metrics = _latest;
                return new TrainingSummary(
                    result.Outcome.ToString().ToLowerInvariant(),
                    result.State.Round,
                    _test?.MeanNats, _test?.StandardErrorNats, _train?.MeanNats, _train?.StandardErrorNats,
                    metrics?.EntropyProduction, metrics?.SelfTransition, metrics?.LargestCurrent,
                    result.WallSeconds,
                    result.WallSeconds > 0 ? steps / result.WallSeconds : 0,
                    Path.GetFullPath(runDirectory),
                    profile is null ? null : ProfileReport.MillisecondsByPhase(profile),
                    profile is null ? null : ProfileReport.MedianMillisecondsByPhase(profile));
            }
        }
    }
}
