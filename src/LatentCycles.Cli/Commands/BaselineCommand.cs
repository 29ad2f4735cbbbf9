using System.CommandLine;
using System.Diagnostics;
using LatentCycles.Core.Baselines;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles baseline em|rbm</c>: the Bernoulli-mixture EM ceiling (MODEL.md §7) or the RBM trained by PCD
/// (§6, with the single-threaded reference trainer), both evaluated by the same code as the nonequilibrium model.
/// </summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = "em (Bernoulli-mixture EM ceiling) or rbm (RBM trained by PCD)" };
        kind.AcceptOnlyFromAmong("em", "rbm");
        var k = new Option<int>("--k") { Description = "Number of latent states (mixture components) K", DefaultValueFactory = _ => 10 };
        var data = new Option<string?>("--data") { Description = "MNIST-format IDX directory or images file [default: the embedded MNIST-10k]" };
        var seed = new Option<ulong>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var restarts = new Option<int>("--restarts") { Description = "EM restarts (the best train likelihood is kept)", DefaultValueFactory = _ => 3 };
        var iterations = new Option<int>("--iterations") { Description = "EM iterations per restart at most", DefaultValueFactory = _ => 100 };
        var rounds = new Option<int>("--rounds") { Description = "RBM training rounds", DefaultValueFactory = _ => 2000 };
        var chains = new Option<int>("--chains") { Description = "RBM persistent chains", DefaultValueFactory = _ => 2000 };
        var learningRate = new Option<double>("--lr")
        {
            Description = "RBM learning rate (with the training defaults' optimizer, --lr-schedule and --decoder-lr-scale)",
            DefaultValueFactory = _ => new TrainingConfig().LearningRate,
        };
        var json = CommandConventions.JsonOption();

        var command = new Command("baseline", "Fit a baseline: the Bernoulli-mixture EM ceiling or the RBM by PCD")
        {
            kind, k, data, seed, restarts, iterations, rounds, chains, learningRate, json,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var split = DataSetLoader.Load(parseResult.GetValue(data));
            var stopwatch = Stopwatch.StartNew();
            var result = parseResult.GetValue(kind) == "em"
                ? RunEm(split, parseResult.GetValue(k), parseResult.GetValue(seed), parseResult.GetValue(restarts), parseResult.GetValue(iterations), output)
                : RunRbm(split, new TrainingConfig
                {
                    K = parseResult.GetValue(k),
                    Model = ModelKind.Rbm,
                    Seed = parseResult.GetValue(seed),
                    Rounds = parseResult.GetValue(rounds),
                    Chains = parseResult.GetValue(chains),
                    LearningRate = parseResult.GetValue(learningRate),
                }, output);
            result = result with { WallSeconds = stopwatch.Elapsed.TotalSeconds };
            output.WriteLine($"{result.Baseline}: K = {result.K}, train {result.TrainLlNats:F2} nats, test {result.TestLlNats:F2} nats " +
                             $"(± {result.TestLlSeNats:F2}), {result.WallSeconds:F1} s");
            if (parseResult.GetValue(json)) CommandConventions.WriteJsonLine(output, result);
            return 0;
        });
        return command;
    }

    private sealed record BaselineResult(string Baseline, string Data, int K, double TrainLlNats, double TrainLlSeNats,
        double TestLlNats, double TestLlSeNats, double? EntropyProductionNats, double? SelfTransition, double WallSeconds);

    private static BaselineResult RunEm(DataSplit split, int k, ulong seed, int restarts, int iterations, TextWriter output)
    {
        if (k < 1) throw new CliException($"--k must be at least 1, got {k}");
        if (restarts < 1) throw new CliException($"--restarts must be at least 1, got {restarts}");
        if (iterations < 1) throw new CliException($"--iterations must be at least 1, got {iterations}");
        output.WriteLine($"fitting a {k}-component Bernoulli mixture by EM on {split.Train.Count} images ({split.Name}), {restarts} restarts");
        var fit = BernoulliMixtureEm.Fit(split.Train, k, new BernoulliMixtureOptions { Seed = seed, Restarts = restarts, MaxIterations = iterations });
        // The EM figures are exact: a mixture's likelihood has no Monte Carlo error.
        return new BaselineResult("em", split.Name, k,
            MixtureLikelihood.MeanLogLikelihood(split.Train, fit.LogPi, fit.LogitsNK), 0,
            MixtureLikelihood.MeanLogLikelihood(split.Test, fit.LogPi, fit.LogitsNK), 0, null, null, 0);
    }

    private static BaselineResult RunRbm(DataSplit split, TrainingConfig config, TextWriter output)
    {
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        output.WriteLine($"training an RBM with a {config.K}-state hidden unit by PCD: {config.Chains} chains, {config.Rounds} rounds ({split.Name})");
        var trainer = new ReferenceTrainer(split.Train);
        var state = trainer.RunToEnd(TrainingState.Start(config, split.Train), m =>
        {
            if (m.Round % 100 == 0) output.WriteLine($"  round {m.Round}/{config.Rounds}: minibatch log-likelihood {m.MinibatchLogLikelihood:F2} nats");
        });
        var evaluation = StateEvaluation.Of(state, split, new EvaluationRequest());
        var observables = evaluation.FreshSample.Observables;
        return new BaselineResult("rbm", split.Name, config.K, evaluation.Train!.MeanNats, evaluation.Train.StandardErrorNats,
            evaluation.Test.MeanNats, evaluation.Test.StandardErrorNats, observables.EntropyProduction,
            observables.MeanSelfTransition, 0);
    }
}
