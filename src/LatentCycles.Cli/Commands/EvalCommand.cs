using System.CommandLine;
using System.Globalization;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using Spectre.Console;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles eval DIR</c>: evaluates a checkpoint from a fresh Monte Carlo estimate of its latent kernel
/// (MODEL.md §2, §4): test and train log-likelihood with error bars, entropy production, self-transition, currents and
/// cycles, and the class-histogram KL divergence of generated samples (§5). The kernel sample is keyed by the run's seed
/// and the checkpoint's round, so evaluating the same checkpoint twice gives the same figures.
/// </summary>
internal static class EvalCommand
{
    /// <summary>The most kernel draws per latent state: about ten seconds per million for K = 10 on one core.</summary>
    public const int MaxDrawsPerState = 1_000_000;

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Run directory" };
        var round = CheckpointOptions.Round();
        var store = CheckpointOptions.Store();
        var draws = new Option<int>("--draws-per-state")
        {
            Description = $"Draws of x per latent state for the kernel estimate ({ModelEvaluator.DefaultBatches} to {MaxDrawsPerState})",
            DefaultValueFactory = _ => ModelEvaluator.DefaultDrawsPerState,
        };
        var data = new Option<string?>("--data")
        {
            Description = "Score another data set: IDX images file or MNIST-layout directory [default: the run's own data]",
        };
        var json = CommandConventions.JsonOption();
        var command = new Command("eval", "Evaluate a run's checkpoint: log-likelihoods, nonequilibrium observables, class statistics")
        {
            directory, round, store, draws, data, json,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var drawsPerState = parseResult.GetValue(draws);
            if (drawsPerState is < ModelEvaluator.DefaultBatches or > MaxDrawsPerState)
                throw new CliException($"--draws-per-state must be between {ModelEvaluator.DefaultBatches} and {MaxDrawsPerState}, got {drawsPerState}");
            var (_, runData) = RunAccess.ReadConfig(path);
            var dataReference = parseResult.GetValue(data) is { } other ? Path.GetFullPath(other) : runData;
            var state = RunAccess.LoadState(path, parseResult.GetValue(round), parseResult.GetValue(store));
            var split = DataSetLoader.Load(dataReference);
            if (split.Train.PixelCount != state.Parameters.N)
                throw new CliException($"{path}: the model has N = {state.Parameters.N} pixels but the data {dataReference} has {split.Train.PixelCount}");

            var result = Evaluate(state, split, dataReference, drawsPerState, path);
            var output = parseResult.InvocationConfiguration.Output;
            Consoles.For(output, interactive: false).Write(ResultTable(result));
            if (parseResult.GetValue(json)) CommandConventions.WriteJsonLine(output, result);
            return 0;
        });
        return command;
    }

    internal sealed record CycleFigure(int[] Nodes, double? AffinityNats);

    /// <summary>The JSON result of <c>eval</c>.</summary>
    internal sealed record EvaluationResult(
        int Round,
        double TestLlNats,
        double TestLlSeNats,
        double TrainLlNats,
        double TrainLlSeNats,
        double? TestLlExactNats,
        double? TrainLlExactNats,
        double? EntropyProductionNats,
        double SelfTransition,
        double LargestCurrent,
        IReadOnlyList<CycleFigure> StrongestCycles,
        double? ClassKlNats,
        int DrawsPerState,
        string ParametersSha256,
        string Data,
        string RunDirectory);

    private static EvaluationResult Evaluate(TrainingState state, DataSplit split, string dataReference, int drawsPerState, string path)
    {
        var p = state.Parameters;
        var kernel = ModelEvaluator.EstimateKernel(p, state.Config.Seed, (uint)state.Round, drawsPerState);
        var options = new EvaluationOptions(state.Config.Seed, (uint)state.Round, drawsPerState, Kernel: kernel);
        var test = ModelEvaluator.Evaluate(p, split.Test, options);
        var train = ModelEvaluator.Evaluate(p, split.Train, options);
        var observables = test.Observables;
        return new EvaluationResult(
            state.Round,
            test.Likelihood.MeanNats, test.Likelihood.StandardErrorNats,
            train.Likelihood.MeanNats, train.Likelihood.StandardErrorNats,
            ExactRbmLikelihood(state, split.Test), ExactRbmLikelihood(state, split.Train),
            observables.EntropyProduction, observables.MeanSelfTransition, observables.MaxAbsCurrent,
            observables.StrongestTriangles.Select(t => new CycleFigure(t.Nodes, t.Affinity)).ToList(),
            ClassKlDivergence(p, split, state.Config.Seed),
            drawsPerState,
            RunAccess.ParametersSha256(p),
            dataReference,
            Path.GetFullPath(path));
    }

    /// <summary>
    /// The RBM's log-likelihood in closed form (MODEL.md §6), beside the Monte Carlo estimate: an RBM late in training
    /// barely leaves its latent states, which makes π hard to estimate from a kernel sample. Null for the neq model.
    /// </summary>
    private static double? ExactRbmLikelihood(TrainingState state, BinaryImages data) =>
        state.Config.Model == ModelKind.Rbm ? RbmFormulas.MeanLogLikelihood(state.Parameters, data) : null;

    /// <summary>
    /// KL(data ‖ model) of the class histograms (MODEL.md §5): a classifier trained on the labelled training images labels
    /// the test images and generated samples. Null when the data has no labels.
    /// </summary>
    private static double? ClassKlDivergence(ModelParameters parameters, DataSplit split, ulong seed) =>
        ClassFidelity.TrainClassifier(split) is { } classifier ? ClassFidelity.KlDivergence(classifier, parameters, split, seed) : null;

    private static Table ResultTable(EvaluationResult r)
    {
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("round", r.Round.ToString(CultureInfo.InvariantCulture));
        table.AddRow("test log-likelihood (nats)", Format.WithError(r.TestLlNats, r.TestLlSeNats));
        table.AddRow("train log-likelihood (nats)", Format.WithError(r.TrainLlNats, r.TrainLlSeNats));
        if (r.TestLlExactNats is { } exactTest) table.AddRow("test log-likelihood, exact RBM formula (nats)", Format.Number(exactTest));
        if (r.TrainLlExactNats is { } exactTrain) table.AddRow("train log-likelihood, exact RBM formula (nats)", Format.Number(exactTrain));
        table.AddRow("entropy production, fresh-sample estimate (nats/step)", Format.Number(r.EntropyProductionNats, "undefined"));
        table.AddRow("mean self-transition, fresh-sample estimate", Format.Number(r.SelfTransition));
        table.AddRow("largest current, fresh-sample estimate", Format.Number(r.LargestCurrent));
        foreach (var cycle in r.StrongestCycles)
            table.AddRow(Markup.Escape($"cycle {string.Join("→", cycle.Nodes)}→{cycle.Nodes[0]} affinity (nats)"), Format.Number(cycle.AffinityNats, "∞"));
        table.AddRow("class-histogram KL (nats)", Format.Number(r.ClassKlNats, "n/a (no labels)"));
        table.AddRow("kernel draws per state", r.DrawsPerState.ToString(CultureInfo.InvariantCulture));
        table.AddRow("parameters SHA-256", r.ParametersSha256);
        table.AddRow("data", Markup.Escape(r.Data));
        return table;
    }
}
