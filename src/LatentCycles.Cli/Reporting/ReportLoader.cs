using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// Turns run directories into report data: metrics.csv, config.json, the latest checkpoint (<see cref="CheckpointStore"/>)
/// and the stored evaluation when it belongs to that checkpoint, else a fresh evaluation (MODEL.md §2, §4, §5).
/// Data sets and the digit classifier are loaded or trained once per data set and reused for every run.
/// </summary>
internal sealed class ReportLoader(TextWriter log)
{
    /// <summary>Images in each sample grid.</summary>
    public const int GridSamples = SampleGrid.GridSide * SampleGrid.GridSide;

    public const string RunsDirectoryName = "runs";

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

    /// <summary>
    /// Evaluates a checkpoint from fresh samples: the kernel from the Evaluation streams of (seed, round), the test
    /// log-likelihood with its error bar, and KL of the class histograms (<see cref="ClassFidelity"/>).
    /// </summary>
    public StoredEvaluation Evaluate(TrainingState state, string dataReference)
    {
        var split = Data(dataReference);
        var parameters = state.Parameters;
        var options = new EvaluationOptions(state.Config.Seed, (uint)state.Round);
        var test = ModelEvaluator.Evaluate(parameters, split.Test, options);
        double? classKl = null;
        if (Classifier(dataReference) is { } classifier)
            classKl = ClassFidelity.KlDivergence(classifier, parameters, split, state.Config.Seed);
        var (likelihood, error) = state.Config.Model == ModelKind.Rbm
            ? (RbmFormulas.MeanLogLikelihood(parameters, split.Test), 0.0)
            : (test.Likelihood.MeanNats, test.Likelihood.StandardErrorNats);
        return new StoredEvaluation(state.Round, likelihood, error, parameters.K,
            test.Kernel.Kernel.Values, classKl);
    }

    /// <summary>
    /// One run directory as report data. Uses the stored evaluation when its round is the latest checkpoint's, else
    /// evaluates (and, when <paramref name="store"/> is set, saves the evaluation for the next report). The checkpoints
    /// are in DIR/run.db unless <paramref name="checkpoints"/> names their store (<c>--store</c>).
    /// </summary>
    public RunRecord LoadRun(string runDirectory, bool store, string? checkpoints = null)
    {
        var (config, dataReference) = RunAccess.ReadConfig(runDirectory);
        var metricsPath = Path.Combine(runDirectory, RunDirectory.MetricsFileName);
        var metrics = File.Exists(metricsPath) ? RunAccess.ReadMetrics(metricsPath) : [];
        var stored = ReportFiles.ReadRunReport(runDirectory);
        if (checkpoints is null && !File.Exists(Path.Combine(runDirectory, RunDirectory.StoreFileName)))
            return new RunRecord(RunNaming.Describe(config), config.Seed, metrics, null, stored?.WallSeconds);

        var state = RunAccess.LoadState(runDirectory, round: null, checkpoints);
        var evaluation = stored?.Evaluation;
        if (evaluation is null || evaluation.Round != state.Round)
        {
            log.WriteLine($"evaluating {runDirectory} at round {state.Round}");
            evaluation = Evaluate(state, dataReference);
            if (store) ReportFiles.WriteRunReport(runDirectory, new StoredRunReport(stored?.WallSeconds ?? 0, evaluation));
        }
        return new RunRecord(RunNaming.Describe(config), config.Seed, metrics, Rebuild(evaluation, state, Data(dataReference)), stored?.WallSeconds);
    }

    /// <summary>An experiment directory: every run under <c>runs/</c> (models in the experiment's order), the EM ceilings, test digits.</summary>
    public ExperimentReport LoadExperiment(string directory, string title, string description)
    {
        var runsDirectory = Path.Combine(directory, RunsDirectoryName);
        var runDirectories = Directory.Exists(runsDirectory)
            ? Directory.GetDirectories(runsDirectory).Where(RunAccess.HoldsRun).ToList()
            : [];
        if (runDirectories.Count == 0) throw new CliException($"{directory}: no runs found (neither a run directory nor an experiment with {RunsDirectoryName}/)");
        var runs = runDirectories.Select(d => LoadRun(d, store: true))
            .OrderBy(r => RunNaming.Order(r.Model)).ThenBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Seed)
            .ToList();
        var (_, dataReference) = RunAccess.ReadConfig(runDirectories[0]);
        return new ExperimentReport(title, description, runs, ReportFiles.ReadCeilings(directory), TestDigits(Data(dataReference)));
    }

    /// <summary>A single <c>train</c> run: its own report, without an EM ceiling.</summary>
    public ExperimentReport LoadSingleRun(string directory, string? checkpoints = null)
    {
        var (config, dataReference) = RunAccess.ReadConfig(directory);
        var run = LoadRun(directory, store: false, checkpoints);
        var split = Data(dataReference);
        return new ExperimentReport($"Run report: {run.Label}", Describe(config, split, [config.Seed], withRbm: config.Model == ModelKind.Rbm) + $" Run directory: {Path.GetFullPath(directory)}.",
            [run], [], TestDigits(split));
    }

    /// <summary>One paragraph on what was trained, for the report's opening.</summary>
    public static string Describe(TrainingConfig config, DataSplit split, IReadOnlyList<ulong> seeds, bool withRbm) =>
        $"Data: {split.Name} ({split.Train.Count} training and {split.Test.Count} test images of {split.Train.PixelCount} binary pixels). " +
        $"K = {config.K} latent states, {config.Chains} persistent chains, {config.Sweeps} sweep(s) per round, {config.Rounds} rounds, " +
        $"minibatch {config.MinibatchSize}, {config.Optimizer} with learning rate {config.LearningRate} " +
        $"(the decoder's L {config.LearningRate * config.DecoderLearningRateScale}); " +
        $"seed{(seeds.Count == 1 ? "" : "s")} {string.Join(", ", seeds)}. Final evaluation from a fresh kernel estimate " +
        $"({ModelEvaluator.DefaultDrawsPerState} draws per latent state)" +
        (withRbm
            ? "; the RBM's log-likelihood is its exact closed form (MODEL.md §6), since its nearly-identity kernel makes the Monte Carlo π unreliable."
            : ".");

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
