using LatentCycles.Core.Baselines;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Baselines;

public class BernoulliMixtureEmTests
{
    private const int Pixels = 20;
    private static readonly double[] TrueWeights = [0.45, 0.35, 0.2];

    /// <summary>
    /// True means, K×N: every pixel of every component is either "off" (0.05 … 0.2) or "on" (0.8 … 0.95),
    /// so the three components differ in about half their pixels and are identifiable from a few thousand draws.
    /// </summary>
    private static double[][] TrueMeans()
    {
        var random = new CounterRandom(7, StreamPurpose.Initialization, 0, 0, 0);
        var means = new double[TrueWeights.Length][];
        for (var z = 0; z < means.Length; z++)
        {
            means[z] = new double[Pixels];
            for (var i = 0; i < Pixels; i++)
            {
                var level = 0.05 + 0.15 * random.NextDouble();
                means[z][i] = random.NextInt(2) == 0 ? level : 1 - level;
            }
        }
        return means;
    }

    private static BinaryImages Sample(double[][] means, int count)
    {
        var random = new CounterRandom(11, StreamPurpose.Sampling, 0, 0, 0);
        var components = new int[count];
        for (var j = 0; j < count; j++)
        {
            var u = random.NextDouble();
            var z = 0;
            while (z < TrueWeights.Length - 1 && u >= TrueWeights[z]) u -= TrueWeights[z++];
            components[j] = z;
        }
        return TestImages.Draw(count, 4, 5, 11, (j, i) => means[components[j]][i]);
    }

    private static readonly BernoulliMixtureOptions Options = new() { Seed = 2024 };

    private static BinaryImages SyntheticData() => Sample(TrueMeans(), 5000);

    private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));

    [Fact]
    public void Em_recovers_the_components_of_a_known_mixture()
    {
        var means = TrueMeans();
        var fit = BernoulliMixtureEm.Fit(SyntheticData(), 3, Options);

        var matched = new HashSet<int>();
        for (var t = 0; t < means.Length; t++)
        {
            var bestComponent = -1;
            var bestError = double.PositiveInfinity;
            for (var z = 0; z < fit.K; z++)
            {
                var error = 0.0;
                for (var i = 0; i < Pixels; i++)
                    error = Math.Max(error, Math.Abs(Sigmoid(fit.LogitsNK[i * fit.K + z]) - means[t][i]));
                if (error < bestError) (bestComponent, bestError) = (z, error);
            }
            Assert.True(bestError < 0.05, $"true component {t}: closest fitted mean is off by {bestError:F3}");
            Assert.True(matched.Add(bestComponent), $"fitted component {bestComponent} matches two true components");
            Assert.InRange(fit.MixingWeights[bestComponent], TrueWeights[t] - 0.03, TrueWeights[t] + 0.03);
        }
    }

    [Fact]
    public void Em_train_likelihood_is_at_least_that_of_the_true_parameters()
    {
        var means = TrueMeans();
        var data = SyntheticData();
        var logPi = Array.ConvertAll(TrueWeights, Math.Log);
        var logitsNK = new double[Pixels * TrueWeights.Length];
        for (var i = 0; i < Pixels; i++)
            for (var z = 0; z < TrueWeights.Length; z++)
                logitsNK[i * TrueWeights.Length + z] = Math.Log(means[z][i] / (1 - means[z][i]));
        var trueLogLikelihood = MixtureLikelihood.MeanLogLikelihood(data, logPi, logitsNK);

        var fit = BernoulliMixtureEm.Fit(data, 3, Options);

        Assert.True(fit.TrainMeanLogLikelihood >= trueLogLikelihood - 1e-3,
            $"EM reached {fit.TrainMeanLogLikelihood:F5} nats, the true parameters give {trueLogLikelihood:F5}");
    }

    [Fact]
    public void Em_objective_never_decreases_over_iterations()
    {
        var fit = BernoulliMixtureEm.Fit(SyntheticData(), 3, Options with { Tolerance = 0, MaxIterations = 30 });

        Assert.Equal(fit.Iterations + 1, fit.ObjectiveTrace.Count);
        Assert.Equal(fit.Iterations + 1, fit.MeanLogLikelihoodTrace.Count);
        for (var t = 1; t < fit.ObjectiveTrace.Count; t++)
        {
            Assert.True(fit.ObjectiveTrace[t] >= fit.ObjectiveTrace[t - 1] - 1e-12,
                $"objective fell from {fit.ObjectiveTrace[t - 1]} to {fit.ObjectiveTrace[t]} at iteration {t}");
            Assert.True(fit.MeanLogLikelihoodTrace[t] >= fit.MeanLogLikelihoodTrace[t - 1] - 1e-6,
                $"log-likelihood fell from {fit.MeanLogLikelihoodTrace[t - 1]} to {fit.MeanLogLikelihoodTrace[t]} at iteration {t}");
        }
    }

    [Fact]
    public void Reported_train_likelihood_is_the_mixture_likelihood_of_the_fit()
    {
        var data = SyntheticData();
        var fit = BernoulliMixtureEm.Fit(data, 3, Options);

        Assert.Equal(MixtureLikelihood.MeanLogLikelihood(data, fit.LogPi, fit.LogitsNK), fit.TrainMeanLogLikelihood);
        Assert.Equal(fit.TrainMeanLogLikelihood, fit.MeanLogLikelihoodTrace[^1]);
        Assert.Equal(1.0, fit.MixingWeights.Sum(), 12);
    }

    [Fact]
    public void Best_restart_is_the_one_kept()
    {
        var fit = BernoulliMixtureEm.Fit(SyntheticData(), 3, Options with { Restarts = 4, MaxIterations = 5 });

        Assert.Equal(4, fit.RestartMeanLogLikelihoods.Count);
        Assert.Equal(fit.RestartMeanLogLikelihoods.Max(), fit.TrainMeanLogLikelihood);
        Assert.Equal(fit.TrainMeanLogLikelihood, fit.RestartMeanLogLikelihoods[fit.BestRestart]);
    }

    [Fact]
    public void Same_seed_gives_a_bit_identical_fit()
    {
        var data = SyntheticData();
        var first = BernoulliMixtureEm.Fit(data, 3, Options);
        var second = BernoulliMixtureEm.Fit(data, 3, Options);

        Assert.Equal(first.LogPi, second.LogPi);
        Assert.Equal(first.LogitsNK, second.LogitsNK);
        Assert.Equal(first.MeanLogLikelihoodTrace, second.MeanLogLikelihoodTrace);
        Assert.Equal(first.BestRestart, second.BestRestart);
    }

    [Fact]
    public void Different_seeds_start_from_different_assignments()
    {
        var data = SyntheticData();
        var first = BernoulliMixtureEm.Fit(data, 3, Options with { Restarts = 1, MaxIterations = 1 });
        var second = BernoulliMixtureEm.Fit(data, 3, Options with { Restarts = 1, MaxIterations = 1, Seed = 2025 });

        Assert.NotEqual(first.LogitsNK, second.LogitsNK);
    }

    [Fact]
    public void Single_component_fit_is_the_smoothed_pixel_mean()
    {
        var data = SyntheticData();
        var alpha = Options.PseudoCount;
        var fit = BernoulliMixtureEm.Fit(data, 1, Options);

        var pixelMeans = data.PixelMeans();
        Assert.Equal(0.0, fit.LogPi[0]);
        for (var i = 0; i < Pixels; i++)
        {
            var expected = (pixelMeans[i] * data.Count + alpha) / (data.Count + 2 * alpha);
            Assert.Equal(expected, Sigmoid(fit.LogitsNK[i]), 12);
        }
    }

    [Fact]
    public void Pixels_never_on_get_finite_logits()
    {
        var pixels = new byte[3 * Pixels];
        pixels[0] = 1;
        var data = new BinaryImages(pixels, 3, 4, 5, null);

        var fit = BernoulliMixtureEm.Fit(data, 2, Options);

        Assert.All(fit.LogitsNK, l => Assert.True(double.IsFinite(l)));
        Assert.True(double.IsFinite(fit.TrainMeanLogLikelihood));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Fewer_than_one_component_is_rejected(int k)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BernoulliMixtureEm.Fit(SyntheticData(), k, Options));
        Assert.Contains("at least 1 component", error.Message);
    }

    [Fact]
    public void Empty_data_is_rejected()
    {
        var empty = new BinaryImages([], 0, 4, 5, null);
        var error = Assert.Throws<ArgumentException>(() => BernoulliMixtureEm.Fit(empty, 3, Options));
        Assert.Contains("empty image set", error.Message);
    }

    [Theory]
    [InlineData(0, 100, 1e-4, 0.01, "restarts")]
    [InlineData(3, 0, 1e-4, 0.01, "max iterations")]
    [InlineData(3, 100, -1e-4, 0.01, "tolerance")]
    [InlineData(3, 100, 1e-4, 0.0, "pseudo-count")]
    [InlineData(3, 100, 1e-4, double.NaN, "pseudo-count")]
    public void Invalid_options_are_rejected(int restarts, int maxIterations, double tolerance, double pseudoCount, string named)
    {
        var options = new BernoulliMixtureOptions { Restarts = restarts, MaxIterations = maxIterations, Tolerance = tolerance, PseudoCount = pseudoCount };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BernoulliMixtureEm.Fit(SyntheticData(), 3, options));
        Assert.Contains(named, error.Message);
    }
}
