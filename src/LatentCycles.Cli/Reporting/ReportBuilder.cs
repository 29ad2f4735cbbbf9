using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// Turns loaded runs (<see cref="ReportLoader"/>) into report data: the stored evaluation when it belongs to the latest
/// checkpoint, else a fresh one (<see cref="StateEvaluation"/>, the evaluation <c>train</c> and <c>eval</c> show), and
/// the sample grids. Data sets and the digit classifier are loaded or trained once per data set and reused for every run.
/// </summary>
internal sealed class ReportBuilder(TextWriter log)
{
    /// <summary>Images in each sample grid.</summary>
    public const int GridSamples = SampleGrid.GridSide * SampleGrid.GridSide;

    /// <summary>All 3-cycles are ranked: the current graph labels the strongest among well-visited states, wherever they rank overall.</summary>
    private const int LabelledTriangleCandidates = int.MaxValue;

    private readonly Dictionary<string, DataSplit> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DigitClassifier?> _classifiers = new(StringComparer.Ordinal);

    /// <summary>The data set a run's config.json names, loaded once.</summary>
    public DataSplit Data(string reference)
    {
        if (!_data.TryGetValue(reference, out var split)) _data[reference] = split = DataSetLoader.Load(reference);
        return split;
    }

    /// <summary>
    /// The digit classifier for a data set, trained once on its labelled training images (seed 0, so every report of the
    /// same data uses the same classifier); null when the data have no labels.
    /// </summary>
    public DigitClassifier? Classifier(string reference)
    {
        if (_classifiers.TryGetValue(reference, out var cached)) return cached;
        var split = Data(reference);
        var classifier = ClassFidelity.TrainClassifier(split);
        if (classifier is not null) log.WriteLine($"digit classifier of {split.Name}: test accuracy {classifier.Accuracy(split.Test):P1}");
        return _classifiers[reference] = classifier;
    }

    /// <summary>A checkpoint's evaluation in the form report.json keeps.</summary>
    public StoredEvaluation Evaluate(TrainingState state, string dataReference)
    {
        var evaluation = StateEvaluation.Of(state, Data(dataReference), new EvaluationRequest(Train: false, Classifier: Classifier(dataReference)));
        return new StoredEvaluation(state.Round, evaluation.Test.MeanNats, evaluation.Test.StandardErrorNats, state.Parameters.K,
            evaluation.Kernel.Kernel.Values, evaluation.ClassKlNats);
    }

    /// <summary>
    /// One run as report data. Uses the stored evaluation when its round is the latest checkpoint's, else evaluates
    /// (and, when <paramref name="store"/> is set, saves the evaluation in report.json for the next report).
    /// </summary>
    public RunRecord BuildRun(LoadedRun run, bool store)
    {
        var label = RunNaming.Describe(run.Config);
        var wallSeconds = run.Stored?.WallSeconds;
        if (run.Latest is not { } state) return new RunRecord(label, run.Config.Seed, run.Metrics, null, wallSeconds);
        var evaluation = run.Stored?.Evaluation;
        if (evaluation is null || evaluation.Round != state.Round)
        {
            log.WriteLine($"evaluating {run.Directory} at round {state.Round}");
            evaluation = Evaluate(state, run.DataReference);
            if (store) ReportFiles.WriteRunReport(run.Directory, new StoredRunReport(wallSeconds ?? 0, evaluation));
        }
        return new RunRecord(label, run.Config.Seed, run.Metrics, Rebuild(evaluation, state, Data(run.DataReference)), wallSeconds);
    }

    /// <summary>
    /// An experiment directory: every run under <c>runs/</c> (models in the experiment's order), the EM ceilings, test
    /// digits, described from its first run's configuration and the seeds of all; and the name of its data set.
    /// </summary>
    public (ExperimentReport Report, string DataName) BuildExperiment(string directory, string title)
    {
        var runDirectories = ReportLoader.RunDirectories(directory);
        if (runDirectories.Count == 0) throw new CliException($"{directory}: no runs found (neither a run directory nor an experiment with {ReportLoader.RunsDirectoryName}/)");
        var loaded = runDirectories.Select(d => ReportLoader.LoadRun(d)).ToList();
        var runs = loaded.Select(r => BuildRun(r, store: true))
            .OrderBy(r => RunNaming.Order(r.Model)).ThenBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Seed)
            .ToList();
        var split = Data(loaded[0].DataReference);
        var description = Describe(loaded[0].Config, split, loaded.Select(r => r.Config.Seed).Distinct().Order().ToList(),
            withRbm: loaded.Any(r => r.Config.Model == ModelKind.Rbm));
        return (new ExperimentReport(title, description, runs, ReportFiles.ReadCeilings(directory), TestDigits(split)), split.Name);
    }

    /// <summary>A single <c>train</c> run: its own report, without an EM ceiling.</summary>
    public ExperimentReport BuildSingleRun(string directory, string? checkpoints = null)
    {
        var loaded = ReportLoader.LoadRun(directory, checkpoints);
        var run = BuildRun(loaded, store: false);
        var config = loaded.Config;
        var split = Data(loaded.DataReference);
        return new ExperimentReport($"Run report: {run.Label}", Describe(config, split, [config.Seed], withRbm: config.Model == ModelKind.Rbm) + $" Run directory: {Path.GetFullPath(directory)}.",
            [run], [], TestDigits(split));
    }

    /// <summary>One paragraph on what was trained, for the report's opening.</summary>
    public static string Describe(TrainingConfig config, DataSplit split, IReadOnlyList<ulong> seeds, bool withRbm) =>
        $"Data: {split.Name} ({split.Train.Count} training and {split.Test.Count} test images of {split.Train.PixelCount} binary pixels). " +
        $"K = {config.K} latent states, {config.Chains} persistent chains, {config.Sweeps} sweep(s) per round, {config.Rounds} rounds, " +
        $"minibatch {config.MinibatchSize}, {config.Optimizer} with learning rate {config.LearningRate} " +
        $"(the decoder's L {config.LearningRate * config.DecoderLearningRateScale}){ScheduleText(config)}; " +
        $"seed{(seeds.Count == 1 ? "" : "s")} {string.Join(", ", seeds)}. Final evaluation from a fresh kernel estimate " +
        $"({ModelEvaluator.DefaultDrawsPerState} draws per latent state)" +
        (withRbm
            ? "; the RBM's log-likelihood is its exact closed form (MODEL.md §6, \"Which likelihood is reported\")."
            : ".");

    private static string ScheduleText(TrainingConfig config) => config.LearningRateSchedule switch
    {
        LearningRateSchedule.Constant => "",
        LearningRateSchedule.InverseSqrt => $", both falling as 1/√(1 + t/{config.LearningRateTimeConstant}) with the round t",
        LearningRateSchedule.Inverse => $", both falling as {config.LearningRateTimeConstant}/({config.LearningRateTimeConstant} + t) with the round t",
        _ => throw new ArgumentOutOfRangeException(nameof(config)),
    };

    /// <summary>Test images spread evenly over the test set, which may be sorted by class, so every class shows.</summary>
    private static BinaryImages TestDigits(DataSplit split)
    {
        var count = Math.Min(GridSamples, split.Test.Count);
        return split.Test.Select(Enumerable.Range(0, count).Select(j => (int)((long)j * split.Test.Count / count)).ToArray());
    }

    private static RunEvaluation Rebuild(StoredEvaluation stored, TrainingState state, DataSplit split)
    {
        if (stored.Kernel.Length != stored.K * stored.K) throw new CliException($"a stored evaluation holds {stored.Kernel.Length} kernel entries for K = {stored.K}");
        var kernel = new LatentKernel(stored.K, stored.Kernel);
        var samples = ModelSampler.Sample(state.Parameters, GridSamples, state.Config.Seed, rows: split.Test.Rows, columns: split.Test.Columns);
        return new RunEvaluation(stored.Round, stored.TestLlNats, stored.TestLlSeNats, kernel, NonequilibriumObservables.Compute(kernel, LabelledTriangleCandidates),
            stored.ClassKlNats, samples);
    }
}
