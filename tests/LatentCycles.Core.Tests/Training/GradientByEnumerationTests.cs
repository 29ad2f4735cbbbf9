using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using static LatentCycles.Core.Tests.Training.EnumerationFixtures;

namespace LatentCycles.Core.Tests.Training;

/// <summary>The gradient estimators of MODEL.md §3 against finite differences of the exact likelihood (§9).</summary>
public class GradientByEnumerationTests
{
    private const int K = 3, N = 6;

    private static readonly BaselineKind[] Baselines = Enum.GetValues<BaselineKind>();

    /// <summary>
    /// One round's full gradient estimate (data phase on the whole data set plus chain phase from the round's
    /// statistics), with the exact π, ρ and M so that only the chain phase (and a baseline taken from the round's
    /// own statistics) is estimated.
    /// </summary>
    private static double[] EstimateWithExactWeights(ModelParameters p, ExactModel exact, BinaryImages data, GradientKind kind,
        BaselineKind baseline, ChainStatistics s)
    {
        var dataPhase = GradientEstimator.ComputeDataPhase(p, data, exact.Stationary);
        var g = GradientEstimator.TransitionWeights(kind, exact.Kernel, exact.Stationary, exact.Responsibilities(data));
        var weights = GradientEstimator.Centre(baseline, g, exact.Stationary, p, s);
        var gradient = new double[p.Length];
        var layout = p.Layout;
        dataPhase.GradientL.CopyTo(layout.L(gradient.AsSpan()));
        GradientEstimator.AddChainPhase(p, s, weights, layout.W(gradient.AsSpan()), layout.B(gradient.AsSpan()), layout.L(gradient.AsSpan()));
        return gradient;
    }

    /// <summary>Runs the chains once and checks every baseline's mean estimate against the finite-difference gradient.</summary>
    private static void AssertEveryBaselineMatches(ModelParameters p, BinaryImages data, GradientKind kind, int rounds, int burnIn, ulong seed, string what)
    {
        var exact = new ExactModel(p);
        var fd = FiniteDifferenceGradient(p, q => new ExactModel(q).MeanLogLikelihood(data));
        var estimates = Baselines.ToDictionary(b => b, _ => new List<double[]>());
        RunChains(p, chains: 2000, rounds: rounds, burnIn: burnIn, seed: seed, s =>
        {
            foreach (var baseline in Baselines) estimates[baseline].Add(EstimateWithExactWeights(p, exact, data, kind, baseline, s));
        });
        foreach (var baseline in Baselines)
        {
            var (mean, se) = BatchMeans(estimates[baseline], 20);
            AssertWithinStandardErrors(fd, mean, se, 4, $"{what}, baseline {baseline}");
        }
        var first = estimates[Baselines[0]];
        Assert.All(Baselines.Skip(1), b => Assert.NotEqual(first[0], estimates[b][0]));
    }

    private static void AssertWithinStandardErrors(double[] expected, double[] mean, double[] se, double sigmas, string what)
    {
        for (var j = 0; j < expected.Length; j++)
        {
            var tolerance = sigmas * se[j] + 1e-7;
            Assert.True(Math.Abs(mean[j] - expected[j]) <= tolerance,
                $"{what}: parameter {j}: estimate {mean[j]:G6} ± {se[j]:G3}, finite difference {expected[j]:G6}");
        }
    }

    [Fact]
    public void Exact_form_chain_estimator_matches_finite_difference_gradient_for_W_b_and_L_with_every_baseline()
    {
        AssertEveryBaselineMatches(RandomModels.Parameters(K, N, 11, 1.0), RandomData(40, N, 12), GradientKind.Exact, 400, 10, 13, "exact form");
    }

    [Fact]
    public void Two_step_form_differs_from_exact_gradient_when_the_kernel_mixes_slowly()
    {
        var p = RandomModels.Parameters(K, N, 11, 1.0);
        var data = RandomData(40, N, 12);
        var exact = new ExactModel(p);
        var rho = exact.Responsibilities(data);
        var twoStep = GradientEstimator.TransitionWeights(GradientKind.TwoStep, exact.Kernel, exact.Stationary, rho);
        var full = GradientEstimator.TransitionWeights(GradientKind.Exact, exact.Kernel, exact.Stationary, rho);
        Assert.True(Enumerable.Range(0, K).Max(z => Math.Abs(twoStep[z] - full[z])) > 1e-3);
    }

    [Fact]
    public void Two_step_form_equals_exact_form_when_every_kernel_row_is_pi()
    {
        // W = 0 makes p(z|x) = softmax(b) whatever x, so M = 1π and the fundamental matrix is the identity.
        var p = RandomModels.Parameters(K, N, 21, 1.0);
        p.W.Clear();
        var data = RandomData(40, N, 22);
        var exact = new ExactModel(p);
        var rho = exact.Responsibilities(data);
        var twoStep = GradientEstimator.TransitionWeights(GradientKind.TwoStep, exact.Kernel, exact.Stationary, rho);
        var full = GradientEstimator.TransitionWeights(GradientKind.Exact, exact.Kernel, exact.Stationary, rho);
        for (var z = 0; z < K; z++) Assert.Equal(full[z], twoStep[z], 10);
        AssertEveryBaselineMatches(p, data, GradientKind.TwoStep, 200, 5, 23, "two-step with M = 1π");
    }

    [Fact]
    public void Rbm_pcd_estimator_matches_finite_difference_gradient_of_the_exact_rbm_likelihood()
    {
        var random = RandomModels.Parameters(K, N, 31, 0.8);
        var tied = ModelParameters.Tied(K, N, random.L, random.B);
        var data = RandomData(40, N, 32);
        double RbmLogLikelihood(ReadOnlySpan<double> l, ReadOnlySpan<double> c) =>
            RbmFormulas.MeanLogLikelihood(ModelParameters.Tied(K, N, l, c), data);
        var fdL = new double[N * K];
        var fdC = new double[K];
        const double h = 1e-5;
        for (var j = 0; j < fdL.Length; j++)
        {
            var plus = tied.L.ToArray(); plus[j] += h;
            var minus = tied.L.ToArray(); minus[j] -= h;
            fdL[j] = (RbmLogLikelihood(plus, tied.B) - RbmLogLikelihood(minus, tied.B)) / (2 * h);
        }
        for (var z = 0; z < K; z++)
        {
            var plus = tied.B.ToArray(); plus[z] += h;
            var minus = tied.B.ToArray(); minus[z] -= h;
            fdC[z] = (RbmLogLikelihood(tied.L, plus) - RbmLogLikelihood(tied.L, minus)) / (2 * h);
        }
        var estimates = new List<double[]>();
        RunChains(tied, chains: 2000, rounds: 200, burnIn: 10, seed: 33, s =>
        {
            var gradient = GradientEstimator.RbmGradient(tied, data, s);
            estimates.Add([.. tied.Layout.B(gradient), .. tied.Layout.L(gradient)]);
        });
        var (mean, se) = BatchMeans(estimates, 20);
        AssertWithinStandardErrors([.. fdC, .. fdL], mean, se, 4, "RBM PCD");
    }

    [Fact]
    public void Data_phase_log_likelihood_with_exact_pi_equals_the_exact_likelihood()
    {
        var p = RandomModels.Parameters(K, N, 41, 1.0);
        var data = RandomData(25, N, 42);
        var exact = new ExactModel(p);
        var dataPhase = GradientEstimator.ComputeDataPhase(p, data, exact.Stationary);
        Assert.Equal(exact.MeanLogLikelihood(data), dataPhase.MeanLogLikelihood, 12);
        var rho = exact.Responsibilities(data);
        for (var z = 0; z < K; z++) Assert.Equal(rho[z], dataPhase.Rho[z], 12);
        Assert.Equal(exact.MeanLogLikelihood(data),
            MixtureLikelihood.MeanLogLikelihood(data, exact.Stationary.Select(v => Math.Log(v)).ToArray(), p.L), 12);
    }
}
