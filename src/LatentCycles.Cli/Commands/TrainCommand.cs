using System.CommandLine;
using LatentCycles.Core.Data;
using System.Globalization;
using LatentCycles.Core.Training;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles train</c>: starts a new run in a new directory. Every setting is checked, and the data set loaded,
/// before anything is written; a directory that already holds a run is never touched (use <c>resume</c> for it).
/// </summary>
internal static class TrainCommand
{
    private static readonly Dictionary<string, OptimizerKind> Optimizers = new() { ["rmsprop"] = OptimizerKind.RmsProp, ["adam"] = OptimizerKind.Adam };
    internal static readonly Dictionary<string, GradientKind> Gradients = new() { ["two-step"] = GradientKind.TwoStep, ["exact"] = GradientKind.Exact };
    internal static readonly Dictionary<string, BaselineKind> Baselines = new()
    {
        ["pi-mean"] = BaselineKind.StationaryMean,
        ["plain-mean"] = BaselineKind.PlainMean,
        ["optimal"] = BaselineKind.Optimal,
        ["optimal-per-block"] = BaselineKind.OptimalPerBlock,
    };
    private static readonly Dictionary<string, ModelKind> Models = new() { ["neq"] = ModelKind.Neq, ["rbm"] = ModelKind.Rbm };

    public static Command Create()
    {
        var defaults = new TrainingConfig();
        var output = new Option<string?>("--out") { Description = "Run directory [default: runs/<yyyyMMdd-HHmmss>]" };
        var data = new Option<string?>("--data") { Description = "IDX images file or MNIST-layout directory [default: the embedded MNIST-10k]" };
        var k = new Option<int>("--k") { Description = "Number of latent states K", DefaultValueFactory = _ => defaults.K };
        var chains = new Option<int>("--chains") { Description = $"Number of persistent chains (1 to {TrainingConfig.MaxChains})", DefaultValueFactory = _ => defaults.Chains };
        var rounds = new Option<int>("--rounds") { Description = "Number of rounds (one parameter update each)", DefaultValueFactory = _ => defaults.Rounds };
        var sweeps = new Option<int>("--sweeps") { Description = $"Chain steps per chain per round (1 to {TrainingConfig.MaxSweeps})", DefaultValueFactory = _ => defaults.Sweeps };
        var learningRate = new Option<string>("--lr")
        {
            Description = "Learning rate (a positive number)",
            DefaultValueFactory = _ => defaults.LearningRate.ToString(CultureInfo.InvariantCulture),
        };
        var optimizer = ChoiceOption("--optimizer", "Optimizer", Optimizers, defaults.Optimizer);
        var gradient = ChoiceOption("--gradient", "Chain-phase weights: two-step (g = ρ/π) or exact (g = Z ρ/π)", Gradients, defaults.Gradient);
        var baseline = ChoiceOption("--baseline", "Constant subtracted from g, a control variate (MODEL.md §3, \"Baselines\")", Baselines, defaults.Baseline);
        var initNoise = new Option<string>("--init-noise")
        {
            Description = "Standard deviation of the initial noise on W and L",
            DefaultValueFactory = _ => defaults.InitNoise.ToString(CultureInfo.InvariantCulture),
        };
        var decoderSmoothing = new Option<string>("--decoder-smoothing")
        {
            Description = "α of the initial decoder logits log((m + α)/(1 − m + α)) from the pixel means m",
            DefaultValueFactory = _ => defaults.DecoderSmoothing.ToString(CultureInfo.InvariantCulture),
        };
        var model = ChoiceOption("--model", "The nonequilibrium model or the tied RBM baseline", Models, defaults.Model);
        var blockSize = new Option<int>("--block-size")
        {
            Description = "Chains per block, the unit of work handed to threads and nodes",
            DefaultValueFactory = _ => defaults.BlockSize,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every random stream", DefaultValueFactory = _ => defaults.Seed };
        var run = RunOptions.Create();
        var cluster = ClusterOptions.Create();
        var dashboard = DashboardOptions.Create();
        var json = CommandConventions.JsonOption();

        var command = new Command("train", "Train a model in a new run directory")
        {
            output, data, k, chains, rounds, sweeps, learningRate, optimizer, gradient, baseline, initNoise, decoderSmoothing, model, seed, blockSize,
            run.CheckpointEvery, run.KeepCheckpoints, run.EvaluateEvery, run.Threads, run.Store, run.Profile,
            cluster.Cluster, cluster.Port, cluster.Hostname, cluster.MinWorkers, dashboard.Port, dashboard.Host, json,
        };
        command.SetAction(parseResult =>
        {
            var config = new TrainingConfig
            {
                K = parseResult.GetValue(k),
                Chains = parseResult.GetValue(chains),
                Rounds = parseResult.GetValue(rounds),
                Sweeps = parseResult.GetValue(sweeps),
                LearningRate = ParseNumber("--lr", parseResult.GetValue(learningRate)),
                Baseline = Baselines[parseResult.GetValue(baseline)!],
                InitNoise = ParseNumber("--init-noise", parseResult.GetValue(initNoise)),
                DecoderSmoothing = ParseNumber("--decoder-smoothing", parseResult.GetValue(decoderSmoothing)),
                Optimizer = Optimizers[parseResult.GetValue(optimizer)!],
                Gradient = Gradients[parseResult.GetValue(gradient)!],
                Model = Models[parseResult.GetValue(model)!],
                Seed = parseResult.GetValue(seed),
                BlockSize = parseResult.GetValue(blockSize),
            };
            try
            {
                config.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
            var directory = parseResult.GetValue(output) ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var clusterSettings = cluster.ReadCoordinator(parseResult);
            var dashboardSettings = dashboard.Read(parseResult);
            var settings = run.Read(parseResult, directory, clusterSettings is not null);
            var dataPath = parseResult.GetValue(data);
            var dataReference = dataPath is null ? RunAccess.EmbeddedDataName : Path.GetFullPath(dataPath);
            if (File.Exists(directory)) throw new CliException($"--out {directory} is a file, not a run directory");
            RunAccess.RefuseBusy(directory);
            RefuseExistingRun(directory, config, dataReference);
            RefuseUsedStore(settings);
            var split = DataSetLoader.Load(dataReference);

            var start = TrainingState.Start(config, split.Train);
            using var writer = RunDirectory.Create(directory, config, dataReference);
            var console = parseResult.InvocationConfiguration;
            console.Output.WriteLine($"training K = {config.K} on {split.Name} ({split.Train.Count} training, {split.Test.Count} test images) in {Path.GetFullPath(directory)}");
            return TrainingSession.Run(start, split, settings, clusterSettings, dashboardSettings, parseResult.GetValue(json), console.Output, console.Error);
        });
        return command;
    }

    private static Option<string> ChoiceOption<T>(string name, string description, Dictionary<string, T> choices, T defaultValue)
    {
        var option = new Option<string>(name)
        {
            Description = $"{description} ({string.Join('|', choices.Keys)})",
            DefaultValueFactory = _ => choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, defaultValue)).Key,
        };
        option.AcceptOnlyFromAmong([.. choices.Keys]);
        return option;
    }

    /// <summary>A number in invariant culture; its range is checked by <see cref="TrainingConfig.Validate"/>.</summary>
    private static double ParseNumber(string option, string? text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)) return value;
        throw new CliException($"{option} must be a number, got '{text}'");
    }

    /// <summary>
    /// Refuses a directory that already holds a run: with the same settings the user wants <c>resume</c>; with other
    /// settings the first difference is named. Nothing in the directory is changed.
    /// </summary>
    private static void RefuseExistingRun(string directory, TrainingConfig config, string dataReference)
    {
        if (!RunAccess.HoldsRun(directory)) return;
        var (existing, existingData) = RunAccess.ReadConfig(directory);
        var requested = Describe(config, dataReference);
        var stored = Describe(existing, existingData);
        for (var j = 0; j < requested.Count; j++)
            if (requested[j].Value != stored[j].Value)
                throw new CliException(
                    $"{directory} already holds a run with {stored[j].Setting} {stored[j].Value}, not {requested[j].Value}; choose another --out directory");
        throw new CliException($"{directory} already holds this run; continue it with: latentcycles resume {directory}");
    }

    /// <summary>A store named with --store (e.g. a shared PostgreSQL database) that already holds a run belongs to that run.</summary>
    private static void RefuseUsedStore(RunSettings settings)
    {
        if (settings.Store is null) return;
        if (RunAccess.LatestInStore(settings.StoreLocation) is { } existing)
            throw new CliException($"{settings.StoreLocation} already holds a run (round {existing.Round} of {existing.Config.Rounds}); " +
                "continue it with latentcycles resume, or give an empty store");
    }

    /// <summary>Every setting that determines a run's result, in the order the user meets them, as text to compare and show.</summary>
    private static List<(string Setting, string Value)> Describe(TrainingConfig c, string data) =>
    [
        ("--data", data),
        ("--k", Invariant(c.K)),
        ("--chains", Invariant(c.Chains)),
        ("--rounds", Invariant(c.Rounds)),
        ("--sweeps", Invariant(c.Sweeps)),
        ("--lr", c.LearningRate.ToString("R", CultureInfo.InvariantCulture)),
        ("--optimizer", Optimizers.First(o => o.Value == c.Optimizer).Key),
        ("--gradient", Gradients.First(g => g.Value == c.Gradient).Key),
        ("--baseline", Baselines.First(b => b.Value == c.Baseline).Key),
        ("--init-noise", c.InitNoise.ToString("R", CultureInfo.InvariantCulture)),
        ("--decoder-smoothing", c.DecoderSmoothing.ToString("R", CultureInfo.InvariantCulture)),
        ("--model", Models.First(m => m.Value == c.Model).Key),
        ("--seed", Invariant(c.Seed)),
        ("minibatch size", Invariant(c.MinibatchSize)),
        ("--block-size", Invariant(c.BlockSize)),
    ];

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
