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

    /// <summary>
    /// The JSON result of <c>eval</c>: the headline likelihoods of <see cref="StateEvaluation"/> (exact for the RBM,
    /// <see cref="LikelihoodMethod"/>) and, for the RBM, the fresh-sample estimates beside them.
    /// </summary>
    internal sealed record EvaluationResult(
        int Round,
        string LikelihoodMethod,
        double TestLlNats,
        double TestLlSeNats,
        double TrainLlNats,
        double TrainLlSeNats,
        double? TestLlFreshSampleNats,
        double? TrainLlFreshSampleNats,
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
        var evaluation = StateEvaluation.Of(state, split, new EvaluationRequest(drawsPerState, Train: true, ClassFidelity.TrainClassifier(split)));
        var exact = evaluation.Method == LikelihoodMethod.ExactRbm;
        var observables = evaluation.FreshSample.Observables;
        return new EvaluationResult(
            state.Round,
            exact ? "exact-rbm" : "fresh-sample-kernel",
            evaluation.Test.MeanNats, evaluation.Test.StandardErrorNats,
            evaluation.Train!.MeanNats, evaluation.Train.StandardErrorNats,
            exact ? evaluation.FreshSample.Likelihood.MeanNats : null, exact ? evaluation.FreshSampleTrain!.MeanNats : null,
            observables.EntropyProduction, observables.MeanSelfTransition, observables.MaxAbsCurrent,
            observables.StrongestTriangles.Select(t => new CycleFigure(t.Nodes, t.Affinity)).ToList(),
            evaluation.ClassKlNats,
            drawsPerState,
            RunAccess.ParametersSha256(state.Parameters),
            dataReference,
            Path.GetFullPath(path));
    }

    private static Table ResultTable(EvaluationResult r)
    {
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("round", r.Round.ToString(CultureInfo.InvariantCulture));
        if (r.TestLlFreshSampleNats is null)
        {
            table.AddRow("test log-likelihood (nats)", Format.WithError(r.TestLlNats, r.TestLlSeNats));
            table.AddRow("train log-likelihood (nats)", Format.WithError(r.TrainLlNats, r.TrainLlSeNats));
        }
        else
        {
            table.AddRow("test log-likelihood, exact RBM formula (nats)", Format.Number(r.TestLlNats));
            table.AddRow("train log-likelihood, exact RBM formula (nats)", Format.Number(r.TrainLlNats));
        }
        if (r.TestLlFreshSampleNats is { } freshTest) table.AddRow("test log-likelihood, fresh-sample estimate (nats)", Format.Number(freshTest));
        if (r.TrainLlFreshSampleNats is { } freshTrain) table.AddRow("train log-likelihood, fresh-sample estimate (nats)", Format.Number(freshTrain));
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
