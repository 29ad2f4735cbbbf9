using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Training;

/// <summary>Raised when a round's gradient is not finite: the run must stop at its last good checkpoint.</summary>
/// <param name="round">The round that failed, counted from 1.</param>
public sealed class NonFiniteGradientException(int round)
    : Exception($"the gradient of round {round} is not finite (NaN or infinite); stopping at the last good checkpoint")
{
    public int Round { get; } = round;
}

/// <summary>
/// The terms of round <see cref="Round"/> + 1 that need only the parameters it starts from and the round number, not the
/// chains: the minibatch's indices, σ(L) and the minibatch's component log-densities log q(x_j|z). A trainer can compute
/// them while the chains sweep (<see cref="RoundComputation.ParameterTermsOf"/>) and hand them to
/// <see cref="RoundComputation.Apply"/>, which computes them itself when not given; either way the bits are the same.
/// </summary>
/// <param name="Parameters">The parameters they were computed from: <see cref="RoundComputation.Apply"/> uses them only for these.</param>
/// <param name="DecoderMeans">σ(L) in L's layout; null for the RBM, whose gradient does not use it.</param>
/// <param name="ComponentLogDensities">log q(x_j|z) of minibatch image j at [j·K + z].</param>
public sealed record ParameterTerms(int Round, ModelParameters Parameters, int[] Minibatch, double[]? DecoderMeans,
    double[] ComponentLogDensities)
{
    /// <summary>The minibatch's active pixels in one piece (<see cref="ActivePixels.Select"/>), for the data phase.</summary>
    internal ActivePixels? MinibatchActive { get; init; }
}

/// <summary>
/// The pure part of a round: from the merged block statistics and the chains' new states, the data phase, the gradient,
/// the optimizer step and the round's row of metrics (what the chains and the minibatch measured; <see cref="RunStep"/>
/// adds timing and evaluations).
/// Every trainer (reference, actors, cluster) calls this, so they agree bit for bit.
/// </summary>
public static class RoundComputation
{
    /// <summary>Indices of round r's minibatch: drawn with replacement from the stream (seed, Minibatch, 0, r).</summary>
    public static int[] MinibatchIndices(TrainingConfig config, int round, int trainCount)
    {
        var rng = new CounterRandom(config.Seed, StreamPurpose.Minibatch, 0, (uint)round, 0);
        var indices = new int[config.MinibatchSize];
        for (var j = 0; j < indices.Length; j++) indices[j] = rng.NextInt(trainCount);
        return indices;
    }

    /// <summary>M̂ = rownormalize(P) (MODEL.md §3); a row no chain left from is taken as uniform.</summary>
    public static LatentKernel KernelEstimate(ChainStatistics merged) => LatentKernel.FromRowWeights(merged.KernelRowSums(), merged.K);

    /// <summary>The <see cref="ParameterTerms"/> of the round that starts from <paramref name="state"/>.</summary>
    public static ParameterTerms ParameterTermsOf(TrainingState state, BinaryImages train)
    {
        var parameters = state.Parameters;
        var minibatch = MinibatchIndices(state.Config, state.Round, train.Count);
        // σ(L) once for the data phase, the baseline and the chain phase.
        var decoderMeans = state.Config.Model == ModelKind.Rbm ? null : GradientEstimator.DecoderMeans(parameters);
        // The minibatch's pixels copied into one piece here, beside the sweeps: the data phase then reads them in order
        // instead of from 500 places the sweeps have pushed out of the caches (docs/PERFORMANCE.md).
        var selected = train.Active.Select(minibatch);
        var components = MixtureLikelihood.ComponentLogDensities(selected, train.PixelCount, parameters.L, parameters.K);
        return new ParameterTerms(state.Round, parameters, minibatch, decoderMeans, components) { MinibatchActive = selected };
    }

    /// <summary>
    /// The data phase of the round whose terms these are, from the minibatch's pixels in one piece (copied here when the
    /// terms were built without them; the numbers are the same either way).
    /// </summary>
    private static DataPhase DataPhaseOf(ParameterTerms terms, BinaryImages train, ReadOnlySpan<double> pi) =>
        GradientEstimator.ComputeDataPhase(terms.Parameters, terms.MinibatchActive ?? train.Active.Select(terms.Minibatch), pi,
            terms.DecoderMeans, terms.ComponentLogDensities);

    /// <param name="profile">Times the phases when given (<c>train --profile</c>); the result does not depend on it.</param>
    /// <param name="terms">
    /// This round's <see cref="ParameterTerms"/> when the trainer computed them while the chains swept; computed here when
    /// null or when they belong to another round or other parameters.
    /// </param>
    public static (TrainingState Next, MetricsRow Row) Apply(TrainingState state, ChainStatistics merged, byte[] newChainStates,
        BinaryImages train, RoundProfile? profile = null, ParameterTerms? terms = null)
    {
        var lap = RoundProfile.Now;
        var config = state.Config;
        var parameters = state.Parameters;
        int k = parameters.K, n = parameters.N;
        if (merged.HasNonFiniteProbabilities) throw new NonFiniteGradientException(state.Round + 1);
        var kernel = KernelEstimate(merged);
        var pi = StationaryDistribution.Solve(kernel);
        lap = profile?.Lap(RoundPhase.Kernel, lap) ?? lap;
        if (terms is null || terms.Round != state.Round || !ReferenceEquals(terms.Parameters, parameters))
            terms = ParameterTermsOf(state, train);
        var minibatch = terms.Minibatch;

        double[] gradient;
        double batchLogLikelihood;
        if (config.Model == ModelKind.Rbm)
        {
            batchLogLikelihood = DataPhaseOf(terms, train, pi).MeanLogLikelihood;
            lap = profile?.Lap(RoundPhase.DataPhase, lap) ?? lap;
            gradient = GradientEstimator.RbmGradient(parameters, train.Select(minibatch), merged);
        }
        else
        {
            var decoderMeans = terms.DecoderMeans!;
            var data = DataPhaseOf(terms, train, pi);
            lap = profile?.Lap(RoundPhase.DataPhase, lap) ?? lap;
            batchLogLikelihood = data.MeanLogLikelihood;
            gradient = GradientEstimator.NeqGradient(parameters, merged, kernel, pi, data, config.Gradient, config.Baseline, decoderMeans);
        }

        foreach (var v in gradient)
            if (!double.IsFinite(v)) throw new NonFiniteGradientException(state.Round + 1);
        lap = profile?.Lap(RoundPhase.Gradient, lap) ?? lap;

        // The step writes into a fresh vector: the state this round started from may still be on its way to a checkpoint.
        // The step writes every element, so the vector needs no zeroing.
        var next = new ModelParameters(k, n, GC.AllocateUninitializedArray<double>(parameters.Length));
        var optimizer = state.Optimizer.Step(config.Optimizer, config.BlockLearningRates(state.Round), parameters.Layout, parameters.Values, gradient, next.Values);
        if (config.Model == ModelKind.Rbm) next.TieEncoderToDecoder();
        if (!next.IsFinite()) throw new NonFiniteGradientException(state.Round + 1);
        lap = profile?.Lap(RoundPhase.Optimizer, lap) ?? lap;

        var observables = FluxObservables.Compute(kernel, pi);
        var row = new MetricsRow(state.Round + 1, batchLogLikelihood, observables.EntropyProduction,
            observables.MeanSelfTransition, observables.MaxAbsCurrent);
        profile?.Lap(RoundPhase.Observables, lap);
        return (new TrainingState(config, state.Round + 1, next, optimizer, newChainStates), row);
    }
}
