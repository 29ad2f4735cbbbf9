using System.CommandLine;
using LatentCycles.Core.Data;
using System.Globalization;
using LatentCycles.Core.Training;
using LatentCycles.Training;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles train</c>: starts a new run in a new directory. Every setting is checked, and the data set loaded,
/// before anything is written; a directory that already holds a run is never touched (use <c>resume</c> for it).
/// </summary>
internal static class TrainCommand
{
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
        var decoderLearningRateScale = new Option<string>("--decoder-lr-scale")
        {
            Description = "The decoder's L learns at the learning rate times this; W and b at the learning rate (a positive number)",
            DefaultValueFactory = _ => defaults.DecoderLearningRateScale.ToString(CultureInfo.InvariantCulture),
        };
        var schedule = ChoiceOption("--lr-schedule", "How every learning rate falls with the round t: constant, inverse-sqrt (× 1/√(1 + t/τ)) or inverse (× τ/(τ + t))",
            ConfigurationText.LearningRateSchedules, defaults.LearningRateSchedule);
        var timeConstant = new Option<string>("--lr-time-constant")
        {
            Description = "τ of --lr-schedule, in rounds (a positive number)",
            DefaultValueFactory = _ => defaults.LearningRateTimeConstant.ToString(CultureInfo.InvariantCulture),
        };
        var optimizer = ChoiceOption("--optimizer", "Optimizer", ConfigurationText.Optimizers, defaults.Optimizer);
        var gradient = ChoiceOption("--gradient", "Chain-phase weights: two-step (g = ρ/π) or exact (g = Z ρ/π)", ConfigurationText.Gradients, defaults.Gradient);
        var baseline = ChoiceOption("--baseline", "Constant subtracted from g, a control variate (MODEL.md §3, \"Baselines\")", ConfigurationText.Baselines, defaults.Baseline);
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
        var model = ChoiceOption("--model", "The nonequilibrium model or the tied RBM baseline", ConfigurationText.Models, defaults.Model);
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
            output, data, k, chains, rounds, sweeps, learningRate, decoderLearningRateScale, schedule, timeConstant, optimizer, gradient, baseline, initNoise, decoderSmoothing, model, seed, blockSize,
            run.CheckpointEvery, run.KeepCheckpoints, run.EvaluateEvery, run.Threads, run.Store, run.Profile,
            cluster.Cluster, cluster.Port, cluster.Hostname, cluster.MinWorkers, dashboard.Port, dashboard.Host, json,
        };
        command.SetAction(parseResult =>
        {
            // The store's queries compile on the other core while the settings are checked and the data loads.
            SqlStoreWarmup.Begin();
            var config = new TrainingConfig
            {
                K = parseResult.GetValue(k),
                Chains = parseResult.GetValue(chains),
                Rounds = parseResult.GetValue(rounds),
                Sweeps = parseResult.GetValue(sweeps),
                LearningRate = ParseNumber("--lr", parseResult.GetValue(learningRate)),
                DecoderLearningRateScale = ParseNumber("--decoder-lr-scale", parseResult.GetValue(decoderLearningRateScale)),
                LearningRateSchedule = ConfigurationText.LearningRateSchedules[parseResult.GetValue(schedule)!],
                LearningRateTimeConstant = ParseNumber("--lr-time-constant", parseResult.GetValue(timeConstant)),
                Baseline = ConfigurationText.Baselines[parseResult.GetValue(baseline)!],
                InitNoise = ParseNumber("--init-noise", parseResult.GetValue(initNoise)),
                DecoderSmoothing = ParseNumber("--decoder-smoothing", parseResult.GetValue(decoderSmoothing)),
                Optimizer = ConfigurationText.Optimizers[parseResult.GetValue(optimizer)!],
                Gradient = ConfigurationText.Gradients[parseResult.GetValue(gradient)!],
                Model = ConfigurationText.Models[parseResult.GetValue(model)!],
                Seed = parseResult.GetValue(seed),
                BlockSize = parseResult.GetValue(blockSize),
            };
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

            var plan = RunAccess.Prepare(config, split, settings, clusterSettings);
            var console = parseResult.InvocationConfiguration;
            console.Output.WriteLine($"training K = {config.K} on {split.Name} ({split.Train.Count} training, {split.Test.Count} test images) in {Path.GetFullPath(directory)}");
            return TrainingSession.Run(plan, dashboardSettings, parseResult.GetValue(json), console.Output, console.Error);
        });
        return command;
    }

    private static Option<string> ChoiceOption<T>(string name, string description, IReadOnlyDictionary<string, T> choices, T defaultValue)
        where T : struct, Enum
    {
        var option = new Option<string>(name)
        {
            Description = $"{description} ({string.Join('|', choices.Keys)})",
            DefaultValueFactory = _ => ConfigurationText.NameOf(choices, defaultValue),
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
        if (ConfigurationText.Differences(existing, existingData, config, dataReference) is [var first, ..])
            throw new CliException($"{directory} already holds a run with {first.Setting} {first.Stored}, not {first.Given}; choose another --out directory");
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
}
