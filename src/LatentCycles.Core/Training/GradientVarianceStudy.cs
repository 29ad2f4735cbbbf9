using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;

namespace LatentCycles.Core.Training;

/// <summary>A sum over the parameters of each block W, b and L.</summary>
public sealed record BlockTotals(double W, double B, double L)
{
    public double All => W + B + L;
}

/// <summary>The spread of one gradient estimator over independent rounds at fixed parameters (MODEL.md §3, "Baselines").</summary>
/// <param name="Variance">Σ_j Var(∂_j) over the parameters of each block: the trace of the estimate's covariance.</param>
/// <param name="SquaredMean">‖E ∂‖² over each block, the signal the variance is compared with: the squared mean over the
/// rounds less its expected excess Var/rounds, so that a block without signal measures about 0 however few the rounds.</param>
public sealed record GradientSpread(GradientKind Gradient, BaselineKind Baseline, BlockTotals Variance, BlockTotals SquaredMean)
{
    /// <summary>‖E ∂‖² / Σ Var(∂_j) of each block. RMSprop steps each parameter by about the learning rate whatever the
    /// gradient's scale; this ratio says how much of a block's steps follow the gradient and how much are a random walk.</summary>
    public BlockTotals SignalToNoise => new(SquaredMean.W / Variance.W, SquaredMean.B / Variance.B, SquaredMean.L / Variance.L);
}

/// <summary>
/// Freezes a run's parameters and chain states, runs many rounds of its chains and minibatches, and measures every
/// form of g with every baseline on the same rounds (common random numbers), so that their variances compare directly.
/// Only one round's estimate changes between estimators, never the chains: that is what a baseline can change.
/// </summary>
public static class GradientVarianceStudy
{
    private static readonly BaselineKind[] Baselines = Enum.GetValues<BaselineKind>();
    private static readonly GradientKind[] Gradients = Enum.GetValues<GradientKind>();

    /// <param name="state">Parameters, chain states and configuration (seed, chains, minibatch size) of the run.</param>
    /// <param name="rounds">Rounds measured, each with the run's chains advanced one round and a new minibatch.</param>
    /// <param name="burnIn">Rounds run first without measuring, so the chains settle on the frozen parameters.</param>
    public static IReadOnlyList<GradientSpread> Measure(TrainingState state, BinaryImages train, int rounds, int burnIn)
    {
        if (state.Config.Model != ModelKind.Neq) throw new ArgumentException("the gradient variance study applies to the neq model only");
        if (rounds < 2) throw new ArgumentException($"at least 2 rounds are needed for a variance, got {rounds}");
        if (burnIn < 0) throw new ArgumentException($"the burn-in must not be negative, got {burnIn}");
        var config = state.Config;
        var parameters = state.Parameters;
        int k = parameters.K, n = parameters.N;
        var prepared = new PreparedParameters(parameters);
        // The parameters are frozen for the whole study: σ(L) once for every round and estimator.
        var decoderMeans = GradientEstimator.DecoderMeans(parameters);
        var sweeper = new ChainSweeper(k, n);
        var block = new ChainStatistics(k, n);
        var merged = new ChainStatistics(k, n);
        var states = (byte[])state.ChainStates.Clone();
        var moments = Gradients.SelectMany(_ => Baselines).Select(_ => new RunningMoments(parameters.Length)).ToArray();
        for (var r = 0; r < burnIn + rounds; r++)
        {
            var round = state.Round + r;
            BlockRunner.RunAll(config, round, prepared, states, sweeper, block, merged);
            if (r < burnIn) continue;
            var kernel = RoundComputation.KernelEstimate(merged);
            var pi = StationaryDistribution.Solve(kernel);
            var data = GradientEstimator.ComputeDataPhase(parameters, train, RoundComputation.MinibatchIndices(config, round, train.Count), pi,
                decoderMeans);
            var j = 0;
            foreach (var gradient in Gradients)
                foreach (var baseline in Baselines)
                    moments[j++].Add(GradientEstimator.NeqGradient(parameters, merged, kernel, pi, data, gradient, baseline, decoderMeans));
        }
        var result = new List<GradientSpread>();
        var index = 0;
        foreach (var gradient in Gradients)
            foreach (var baseline in Baselines)
            {
                var m = moments[index++];
                var variance = m.Variance();
                var squaredMean = m.Mean.Select((v, j) => v * v - variance[j] / rounds).ToArray();
                result.Add(new GradientSpread(gradient, baseline, BlockSums(k, n, variance), BlockSums(k, n, squaredMean)));
            }
        return result;
    }

    /// <summary>Sums a per-parameter quantity, in the parameters' layout, over each block.</summary>
    private static BlockTotals BlockSums(int k, int n, double[] perParameter)
    {
        var layout = new ParameterLayout(k, n);
        return new BlockTotals(Sum(layout.W(perParameter)), Sum(layout.B(perParameter)), Sum(layout.L(perParameter)));
    }

    private static double Sum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values) sum += v;
        return sum;
    }

    /// <summary>Welford's running mean and variance per coordinate.</summary>
    private sealed class RunningMoments(int length)
    {
        private readonly double[] _squares = new double[length];
        private int _count;

        public double[] Mean { get; } = new double[length];

        public void Add(double[] x)
        {
            _count++;
            for (var j = 0; j < x.Length; j++)
            {
                var delta = x[j] - Mean[j];
                Mean[j] += delta / _count;
                _squares[j] += delta * (x[j] - Mean[j]);
            }
        }

        public double[] Variance() => _squares.Select(s => s / (_count - 1)).ToArray();
    }
}
