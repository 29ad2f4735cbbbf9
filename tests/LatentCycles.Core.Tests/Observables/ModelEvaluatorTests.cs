using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Observables;

public class ModelEvaluatorTests
{
    [Fact]
    public void Monte_Carlo_kernel_is_within_four_standard_errors_of_exact_enumeration()
    {
        var parameters = RandomModels.Parameters(k: 3, n: 8, seed: 1, scale: 1.0);
        var exact = new ExactModel(parameters).Kernel;
        var estimate = ModelEvaluator.EstimateKernel(parameters, seed: 42);
        var errors = estimate.StandardErrors();

        for (var e = 0; e < 9; e++)
        {
            Assert.True(errors[e] > 0);
            Assert.True(Math.Abs(estimate.Kernel.Values[e] - exact.Values[e]) <= 4 * errors[e],
                $"entry {e}: estimate {estimate.Kernel.Values[e]}, exact {exact.Values[e]}, standard error {errors[e]}");
        }
    }

    [Fact]
    public void Likelihood_estimate_is_within_four_standard_errors_of_the_exact_likelihood()
    {
        var parameters = RandomModels.Parameters(k: 3, n: 8, seed: 2, scale: 1.5);
        var data = TestImages.Vectors(50, 8, seed: 3, _ => 0.5);
        var exactPi = StationaryDistribution.Solve(new ExactModel(parameters).Kernel);
        var exact = MixtureLikelihood.MeanLogLikelihood(data, exactPi.Select(x => Math.Log(x)).ToArray(), parameters.L);

        var likelihood = ModelEvaluator.Evaluate(parameters, data, new EvaluationOptions(Seed: 7)).Likelihood;

        Assert.True(likelihood.StandardErrorNats > 0);
        Assert.True(Math.Abs(likelihood.MeanNats - exact) <= 4 * likelihood.StandardErrorNats,
            $"estimate {likelihood.MeanNats} ± {likelihood.StandardErrorNats}, exact {exact}");
    }

    [Fact]
    public void Kernel_estimate_is_bit_identical_for_the_same_seed_and_round()
    {
        var parameters = RandomModels.Parameters(k: 4, n: 10, seed: 4, scale: 1.0);
        var first = ModelEvaluator.EstimateKernel(parameters, seed: 9, round: 3, drawsPerState: 400, batches: 8);
        var again = ModelEvaluator.EstimateKernel(parameters, seed: 9, round: 3, drawsPerState: 400, batches: 8);
        var otherRound = ModelEvaluator.EstimateKernel(parameters, seed: 9, round: 4, drawsPerState: 400, batches: 8);

        Assert.Equal(first.Kernel.Values, again.Kernel.Values);
        for (var b = 0; b < 8; b++) Assert.Equal(first.BatchKernels[b].Values, again.BatchKernels[b].Values);
        Assert.NotEqual(first.Kernel.Values, otherRound.Kernel.Values);
    }

    [Fact]
    public void Kernel_estimate_on_one_thread_equals_the_one_over_the_thread_pool()
    {
        var parameters = RandomModels.Parameters(k: 5, n: 12, seed: 6, scale: 1.0);
        var pooled = ModelEvaluator.EstimateKernel(parameters, seed: 3, round: 7, drawsPerState: 300, batches: 6);
        var single = ModelEvaluator.EstimateKernel(parameters, seed: 3, round: 7, drawsPerState: 300, batches: 6, maxThreads: 1);

        Assert.Equal(pooled.Kernel.Values, single.Kernel.Values);
        for (var b = 0; b < 6; b++) Assert.Equal(pooled.BatchKernels[b].Values, single.BatchKernels[b].Values);
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelEvaluator.EstimateKernel(parameters, seed: 3, maxThreads: 0));
    }

    [Fact]
    public void Tied_parameters_give_the_RBM_stationary_distribution_and_no_entropy_production()
    {
        const int k = 3, n = 6;
        var free = RandomModels.Parameters(k, n, seed: 5, scale: 1.0);
        var tied = ModelParameters.Tied(k, n, free.L, free.B);
        var kernel = new ExactModel(tied).Kernel;
        var obs = NonequilibriumObservables.Compute(kernel);

        var logits = new double[k];
        for (var z = 0; z < k; z++)
        {
            logits[z] = tied.B[z];
            for (var i = 0; i < n; i++) logits[z] += Logistic.Softplus(tied.L[i * k + z]);
        }
        var logNormalizer = Logistic.LogSumExp(logits);
        for (var z = 0; z < k; z++) Assert.Equal(Math.Exp(logits[z] - logNormalizer), obs.StationaryDistribution[z], 12);
        Assert.Equal(0.0, obs.EntropyProduction!.Value, 12);
        Assert.True(obs.MaxAbsCurrent < 1e-13);
    }

    [Fact]
    public void Deterministic_latent_cycle_gives_finite_likelihood_and_undefined_entropy_production()
    {
        // Decoder: state z lights pixel z+1 (mod 3); encoder: one-hot on the lit pixel. The chain runs
        // 0 → 1 → 2 → 0 and never back, and the softmax underflows to exact zeros.
        const int k = 3, n = 3;
        var p = new ModelParameters(k, n);
        for (var z = 0; z < k; z++)
        {
            for (var i = 0; i < n; i++) p.L[i * k + z] = i == (z + 1) % k ? 30 : -30;
            p.W[z * n + z] = 1000;
        }
        var data = TestImages.Vectors(20, n, seed: 6, _ => 0.5);

        var evaluation = ModelEvaluator.Evaluate(p, data, new EvaluationOptions(Seed: 1, DrawsPerState: 200));

        Assert.True(double.IsFinite(evaluation.Likelihood.MeanNats));
        Assert.True(double.IsFinite(evaluation.Likelihood.StandardErrorNats));
        Assert.Null(evaluation.Observables.EntropyProduction);
        Assert.Contains("no reverse", evaluation.Observables.EntropyProductionUndefinedReason);
        Assert.All(evaluation.Observables.Currents, j => Assert.True(double.IsFinite(j)));
    }

    [Fact]
    public void Degenerate_stationary_distribution_still_gives_a_finite_likelihood()
    {
        // Every x is encoded to state 0, so π = (1, 0, 0) and log π has −∞ entries.
        var p = RandomModels.Parameters(k: 3, n: 5, seed: 8, scale: 1.0);
        p.B[1] = p.B[2] = -2000;
        var evaluation = ModelEvaluator.Evaluate(p, TestImages.Vectors(10, 5, seed: 9, _ => 0.5), new EvaluationOptions(Seed: 2, DrawsPerState: 100));

        Assert.Equal([1.0, 0, 0], evaluation.Observables.StationaryDistribution);
        Assert.True(double.IsFinite(evaluation.Likelihood.MeanNats));
        Assert.Equal(0.0, evaluation.Likelihood.StandardErrorNats, 12);
        Assert.Equal(0.0, evaluation.Observables.EntropyProduction);
    }

    [Fact]
    public void Precomputed_kernel_gives_the_same_evaluation_as_a_fresh_estimate_with_its_seed()
    {
        var parameters = RandomModels.Parameters(k: 3, n: 6, seed: 10, scale: 1.0);
        var data = TestImages.Vectors(30, 6, seed: 11, _ => 0.5);
        var options = new EvaluationOptions(Seed: 12, Round: 5, DrawsPerState: 300, Batches: 5);
        var kernel = ModelEvaluator.EstimateKernel(parameters, seed: 12, round: 5, drawsPerState: 300, batches: 5);

        var fresh = ModelEvaluator.Evaluate(parameters, data, options);
        var reused = ModelEvaluator.Evaluate(parameters, data, options with { Kernel = kernel });

        Assert.Equal(fresh.Likelihood, reused.Likelihood);
        Assert.Same(kernel, reused.Kernel);
    }

    /// <summary>
    /// The shared exponentials give log Σ π q to within rounding of the log-sum-exp of log π + log q, for π with zero
    /// and tiny entries and images whose components lie hundreds of nats apart; where the weighted sum underflows, the
    /// log-sum-exp itself is taken.
    /// </summary>
    [Fact]
    public void Mean_log_likelihoods_equal_the_log_sum_exp_of_log_pi_and_log_q()
    {
        const int k = 7, count = 300;
        var rng = new CounterRandom(31, StreamPurpose.Initialization, 0, 0, 0);
        var densities = new double[count * k];
        for (var j = 0; j < densities.Length; j++) densities[j] = -200 + 150 * rng.NextGaussian();
        densities[5 * k + 2] = double.NegativeInfinity;
        // Explained by states the third π all but excludes: its weighted sum, about 6e-320, is subnormal and has lost
        // digits, so the image takes the log-sum-exp.
        for (var z = 0; z < k; z++) densities[7 * k + z] = z == k - 1 ? -2000 : -100;
        var stationary = new List<double[]>
        {
            Normalized([0.3, 0.1, 0.2, 0.05, 0.15, 0.1, 0.1]),
            Normalized([0, 0.5, 0.5, 0, 0, 0, 1e-12]),
            Normalized([1e-320, 1e-320, 1e-320, 1e-320, 1e-320, 1e-320, 1]),
            Normalized([1, 1e-250, 1e-250, 1e-250, 1e-250, 1e-250, 1e-250]),
        };

        var means = ModelEvaluator.MeanLogLikelihoods(densities, stationary, count);

        for (var s = 0; s < stationary.Count; s++)
        {
            var expected = 0.0;
            var terms = new double[k];
            for (var j = 0; j < count; j++)
            {
                for (var z = 0; z < k; z++) terms[z] = Math.Log(stationary[s][z]) + densities[j * k + z];
                expected += Logistic.LogSumExp(terms);
            }
            expected /= count;
            Assert.True(double.IsFinite(means[s]), $"π number {s}: {means[s]}");
            Assert.True(Math.Abs(means[s] - expected) <= 1e-12 * Math.Abs(expected), $"π number {s}: {means[s]:R} against {expected:R}");
        }
    }

    private static double[] Normalized(double[] weights)
    {
        var total = weights.Sum();
        return weights.Select(w => w / total).ToArray();
    }

    [Fact]
    public void Images_of_the_wrong_size_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ModelEvaluator.Evaluate(RandomModels.Parameters(3, 6, seed: 1, scale: 1.0), TestImages.Vectors(5, 7, seed: 1, _ => 0.5), new EvaluationOptions(Seed: 1, DrawsPerState: 20)));
        Assert.Contains("pixels", e.Message);
    }
}
