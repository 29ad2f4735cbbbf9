using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Baselines;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles experiment</c>: the paper's comparison on one or more data sets, one budget and set of seeds — the
/// nonequilibrium model with the two-step and with the exact gradient, the RBM by PCD, and the Bernoulli-mixture EM ceiling
/// (MODEL.md §3, §6, §7) — then the report (<see cref="ReportWriter"/>). Each run is an ordinary run directory
/// <c>OUT/runs/&lt;model&gt;-seed&lt;S&gt;/</c>; with several data sets each has its own experiment directory
/// <c>OUT/&lt;data set&gt;/</c> and OUT gets the report over all of them. Running the command again with the same options
/// resumes unfinished runs and skips finished ones. Exit codes: 0 done, 130 stopped (Ctrl-C/SIGTERM; rerun to continue),
/// 3 some run diverged.
/// </summary>
internal static class ExperimentCommand
{
    private const int PlainProgressLines = 40;

    public static Command Create()
    {
        var defaults = new TrainingConfig();
        var seeds = new Option<int>("--seeds") { Description = "Number of seeds (1, 2, …) per model", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per run", DefaultValueFactory = _ => defaults.Rounds };
        var data = new Option<string?>("--data")
        {
            Description = "Comma-separated data sets, each an IDX images file, an MNIST-layout directory or mnist10k [default: the embedded MNIST-10k]",
        };
        var output = new Option<string?>("--out") { Description = "Experiment directory [default: experiments/<yyyyMMdd-HHmmss>]" };
        var k = new Option<int>("--k") { Description = "Number of latent states K", DefaultValueFactory = _ => defaults.K };
        var chains = new Option<int>("--chains") { Description = "Number of persistent chains per run", DefaultValueFactory = _ => defaults.Chains };
        var run = RunOptions.Create(clusterCapable: false);
        var json = CommandConventions.JsonOption();
        var command = new Command("experiment", "Train the nonequilibrium model (two-step and exact gradient), the RBM and the EM ceiling on the same seeds, and write the report")
        {
            seeds, rounds, data, output, k, chains, run.CheckpointEvery, run.KeepCheckpoints, run.EvaluateEvery, run.Threads, json,
        };
        command.SetAction(parseResult =>
        {
            var seedCount = parseResult.GetValue(seeds);
            if (seedCount < 1) throw new CliException($"--seeds must be at least 1, got {seedCount}");
            var baseConfig = new TrainingConfig { K = parseResult.GetValue(k), Chains = parseResult.GetValue(chains), Rounds = parseResult.GetValue(rounds) };
            var plan = Plan(baseConfig, seedCount);
            foreach (var config in plan)
            {
                try
                {
                    config.Validate();
                }
                catch (ArgumentException e)
                {
                    throw new CliException(e.Message);
                }
            }
            var directory = parseResult.GetValue(output) ?? Path.Combine("experiments", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            run.Read(parseResult, directory, cluster: false);
            var dataReferences = DataReferences(parseResult.GetValue(data));
            var console = parseResult.InvocationConfiguration;
            var builder = new ReportBuilder(console.Output);
            foreach (var reference in dataReferences) builder.Data(reference);
            RunSettings SettingsFor(string d) => run.Read(parseResult, d, cluster: false);
            var printJson = parseResult.GetValue(json);
            if (dataReferences.Count == 1)
            {
                var (exitCode, part) = Run(directory, plan, dataReferences[0], builder, SettingsFor, console.Output, console.Error);
                if (part is not null) ReportCommand.Summarize(part.Report, part.Written.Paths, directory, printJson, console.Output);
                return exitCode;
            }
            return RunSeveral(directory, plan, dataReferences, builder, SettingsFor, printJson, console.Output, console.Error);
        });
        return command;
    }

    /// <summary>The data sets of <c>--data</c>: full paths, or the embedded set's name.</summary>
    private static List<string> DataReferences(string? text)
    {
        if (text is null) return [RunAccess.EmbeddedDataName];
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new CliException("--data needs at least one data set");
        var references = items.Select(d => string.Equals(d, RunAccess.EmbeddedDataName, StringComparison.OrdinalIgnoreCase)
            ? RunAccess.EmbeddedDataName
            : Path.GetFullPath(d)).ToList();
        var names = references.Select(DataSetDirectoryName).ToList();
        var repeated = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new CliException($"--data names two data sets that would share the directory {repeated.Key}; give each once");
        return references;
    }

    /// <summary>A data set's experiment directory within an experiment over several: the embedded set's name, or the last part of the path.</summary>
    private static string DataSetDirectoryName(string reference) =>
        reference == RunAccess.EmbeddedDataName ? reference : Path.GetFileName(Path.TrimEndingDirectorySeparator(reference));

    /// <summary>One experiment per data set in OUT/&lt;data set&gt;/, then the report over all of them in OUT.</summary>
    private static int RunSeveral(string directory, List<TrainingConfig> plan, List<string> dataReferences, ReportBuilder builder,
        Func<string, RunSettings> settingsFor, bool json, TextWriter output, TextWriter error)
    {
        var combined = new CombinedReport(output);
        var exitCode = 0;
        foreach (var reference in dataReferences)
        {
            var subdirectory = Path.Combine(directory, DataSetDirectoryName(reference));
            var (code, part) = Run(subdirectory, plan, reference, builder, settingsFor, output, error);
            if (code == TrainingSession.StoppedExitCode) return code;
            if (code != 0) exitCode = code;
            if (part is not null) combined.Add(builder.Data(reference).Name, subdirectory, part.Report, part.Written);
        }
        combined.Write(directory, force: true, json);
        return exitCode;
    }

    /// <summary>Per seed 1…S: the neq model with the two-step gradient, with the exact gradient, and the RBM.</summary>
    private static List<TrainingConfig> Plan(TrainingConfig baseConfig, int seedCount)
    {
        var plan = new List<TrainingConfig>();
        for (var seed = 1UL; seed <= (ulong)seedCount; seed++)
        {
            plan.Add(baseConfig with { Seed = seed, Model = ModelKind.Neq, Gradient = GradientKind.TwoStep });
            plan.Add(baseConfig with { Seed = seed, Model = ModelKind.Neq, Gradient = GradientKind.Exact });
            plan.Add(baseConfig with { Seed = seed, Model = ModelKind.Rbm, Gradient = GradientKind.TwoStep });
        }
        return plan;
    }

    /// <summary>A planned run and the rounds its store already holds.</summary>
    private sealed record PlannedRun(TrainingConfig Config, string Directory, int RoundsDone);

    /// <summary>An experiment's report as written, with what its summary needs.</summary>
    private sealed record WrittenExperiment(ExperimentReport Report, WrittenReport Written);

    /// <summary>The experiment on one data set in <paramref name="directory"/>; the report is null when training stopped.</summary>
    private static (int ExitCode, WrittenExperiment? Report) Run(string directory, List<TrainingConfig> plan, string dataReference,
        ReportBuilder builder, Func<string, RunSettings> settingsFor, TextWriter output, TextWriter error)
    {
        var runs = plan.Select(c => Inspect(Path.Combine(directory, ReportLoader.RunsDirectoryName, RunNaming.DirectoryName(c)), c, dataReference)).ToList();
        var split = builder.Data(dataReference);
        Directory.CreateDirectory(directory);
        output.WriteLine($"experiment in {Path.GetFullPath(directory)}: {runs.Count} runs on {split.Name}, " +
                         $"{runs.Count(r => r.RoundsDone >= r.Config.Rounds)} already finished");

        FitCeilings(directory, plan.Select(c => c.Seed).Distinct().ToList(), plan[0].K, split, output);

        using var stop = new StopSignals();
        var diverged = new List<string>();
        var progress = new BatchProgress(output, runs.Sum(r => r.Config.Rounds), runs.Sum(r => Math.Min(r.RoundsDone, r.Config.Rounds)));
        for (var j = 0; j < runs.Count; j++)
        {
            var planned = runs[j];
            if (planned.RoundsDone >= planned.Config.Rounds) continue;
            var label = $"[{j + 1}/{runs.Count}] {RunNaming.DirectoryName(planned.Config)}";
            var result = Train(planned, split, dataReference, settingsFor(planned.Directory), label, progress, stop.Token);
            if (result.Outcome == RunOutcome.Stopped)
            {
                error.WriteLine($"stopped during {label} at round {result.State.Round}; run the same command again to continue");
                return (TrainingSession.StoppedExitCode, null);
            }
            if (result.Outcome == RunOutcome.Diverged)
            {
                diverged.Add(planned.Directory);
                error.WriteLine($"error: {label} diverged: {result.Message} (kept at round {result.State.Round})");
            }
            output.WriteLine($"{label} {result.Outcome.ToString().ToLowerInvariant()} after {result.WallSeconds:F0} s; evaluating");
            var stored = ReportFiles.ReadRunReport(planned.Directory);
            ReportFiles.WriteRunReport(planned.Directory, new StoredRunReport(stored?.WallSeconds ?? 0, builder.Evaluate(result.State, dataReference)));
        }

        var (report, _) = builder.BuildExperiment(directory, ReportCommand.ExperimentTitle);
        // The experiment's report is rebuilt whenever the experiment is continued: it is this command's own output.
        var written = ReportWriter.Write(directory, report, force: true);
        return (diverged.Count > 0 ? TrainingSession.DivergedExitCode : 0, new WrittenExperiment(report, written));
    }

    /// <summary>
    /// Checks a planned run's directory before anything is trained: empty, or holding this very run (finished or not).
    /// A run of other settings there is an error, so a changed command line never mixes runs.
    /// </summary>
    private static PlannedRun Inspect(string runDirectory, TrainingConfig config, string dataReference)
    {
        if (!RunAccess.HoldsRun(runDirectory)) return new PlannedRun(config, runDirectory, 0);
        var (existing, existingData) = RunAccess.ReadConfig(runDirectory);
        var differences = ConfigurationText.Differences(existing, existingData, config, dataReference);
        if (differences.Count > 0)
            throw new CliException($"{runDirectory} holds a run with other settings ({ConfigurationText.Describe(differences, "that run", "this experiment")}); use another --out directory");
        if (!File.Exists(Path.Combine(runDirectory, RunDirectory.StoreFileName))) return new PlannedRun(config, runDirectory, 0);
        return new PlannedRun(config, runDirectory, RunAccess.LoadState(runDirectory, round: null).Round);
    }

    /// <summary>The EM ceiling per seed, fitted once: seeds already in ceilings.json are kept.</summary>
    private static void FitCeilings(string directory, List<ulong> seeds, int k, DataSplit split, TextWriter output)
    {
        var ceilings = ReportFiles.ReadCeilings(directory).ToList();
        foreach (var seed in seeds.Where(s => ceilings.All(c => c.Seed != s)))
        {
            var clock = Stopwatch.StartNew();
            var fit = BernoulliMixtureEm.Fit(split.Train, k, new BernoulliMixtureOptions { Seed = seed });
            var ceiling = new CeilingRecord(seed, MixtureLikelihood.MeanLogLikelihood(split.Train, fit.LogPi, fit.LogitsNK),
                MixtureLikelihood.MeanLogLikelihood(split.Test, fit.LogPi, fit.LogitsNK));
            ceilings.Add(ceiling);
            ReportFiles.WriteCeilings(directory, ceilings);
            output.WriteLine($"EM ceiling, seed {seed}: train {ceiling.TrainLogLikelihood:F2}, test {ceiling.TestLogLikelihood:F2} nats/image ({clock.Elapsed.TotalSeconds:F0} s)");
        }
    }

    private static RunResult Train(PlannedRun planned, DataSplit split, string dataReference, RunSettings settings, string label,
        BatchProgress progress, CancellationToken stop)
    {
        progress.StartRun(label, planned.RoundsDone, planned.Config.Rounds);
        var result = TrainingRunner.RunAsync(RunAccess.Prepare(planned.Config, split, settings),
            row => progress.Record(row.Round, row.TestLogLikelihood), stop).GetAwaiter().GetResult();
        var stored = ReportFiles.ReadRunReport(planned.Directory);
        ReportFiles.WriteRunReport(planned.Directory, new StoredRunReport((stored?.WallSeconds ?? 0) + result.WallSeconds, stored?.Evaluation));
        return result;
    }

    /// <summary>
    /// Progress of the whole batch as plain lines (about <see cref="PlainProgressLines"/> per batch, plus every test
    /// evaluation): rounds done over all runs, the current run's round, and the time left at the pace so far.
    /// </summary>
    private sealed class BatchProgress(TextWriter output, int totalRounds, int doneBefore)
    {
        private readonly object _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly int _every = Math.Max(1, (totalRounds - doneBefore) / PlainProgressLines);
        private int _done = doneBefore, _runStart, _runRounds, _doneThisSession;
        private string _label = "";

        public void StartRun(string label, int roundsDone, int rounds)
        {
            lock (_gate)
            {
                _label = label;
                _runStart = roundsDone;
                _runRounds = rounds;
                output.WriteLine($"{label}: {(roundsDone > 0 ? $"resuming at round {roundsDone}" : "starting")} of {rounds}");
            }
        }

        public void Record(int roundsCompleted, LikelihoodEstimate? test)
        {
            lock (_gate)
            {
                var advanced = Math.Max(0, roundsCompleted - _runStart);
                _runStart = Math.Max(_runStart, roundsCompleted);
                _done += advanced;
                _doneThisSession += advanced;
                if (_doneThisSession % _every != 0 && test is null && roundsCompleted != _runRounds) return;
                var rate = _doneThisSession / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
                var left = TimeSpan.FromSeconds((totalRounds - _done) / Math.Max(1e-9, rate));
                var line = $"batch {_done}/{totalRounds} rounds ({100.0 * _done / totalRounds:F0} %, {left:hh\\:mm\\:ss} left)  {_label} round {roundsCompleted}/{_runRounds}";
                if (test is not null) line += $"  test LL {test.MeanNats:F2} ± {test.StandardErrorNats:F2} nats";
                output.WriteLine(line);
            }
        }
    }
}
