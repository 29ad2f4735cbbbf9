using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
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

    /// <param name="profile">Times the phases when given (<c>train --profile</c>); the result does not depend on it.</param>
    public static (TrainingState Next, MetricsRow Row) Apply(TrainingState state, ChainStatistics merged, byte[] newChainStates,
        BinaryImages train, RoundProfile? profile = null)
    {
        var lap = RoundProfile.Now;
        var config = state.Config;
        var parameters = state.Parameters;
        int k = parameters.K, n = parameters.N;
        if (merged.HasNonFiniteProbabilities) throw new NonFiniteGradientException(state.Round + 1);
        var kernel = KernelEstimate(merged);
        var pi = StationaryDistribution.Solve(kernel);
        lap = profile?.Lap(RoundPhase.Kernel, lap) ?? lap;
        var minibatch = MinibatchIndices(config, state.Round, train.Count);

        double[] gradient;
        double batchLogLikelihood;
        if (config.Model == ModelKind.Rbm)
        {
            batchLogLikelihood = GradientEstimator.ComputeDataPhase(parameters, train, minibatch, pi).MeanLogLikelihood;
            lap = profile?.Lap(RoundPhase.DataPhase, lap) ?? lap;
            gradient = GradientEstimator.RbmGradient(parameters, train.Select(minibatch), merged);
        }
        else
        {
            // σ(L) once for the data phase, the baseline and the chain phase.
            var decoderMeans = GradientEstimator.DecoderMeans(parameters);
            var data = GradientEstimator.ComputeDataPhase(parameters, train, minibatch, pi, decoderMeans);
            lap = profile?.Lap(RoundPhase.DataPhase, lap) ?? lap;
            batchLogLikelihood = data.MeanLogLikelihood;
            gradient = GradientEstimator.NeqGradient(parameters, merged, kernel, pi, data, config.Gradient, config.Baseline, decoderMeans);
        }

        foreach (var v in gradient)
            if (!double.IsFinite(v)) throw new NonFiniteGradientException(state.Round + 1);
        lap = profile?.Lap(RoundPhase.Gradient, lap) ?? lap;

        // The step writes into a fresh vector: the state this round started from may still be on its way to a checkpoint.
        var next = new ModelParameters(k, n, new double[parameters.Length]);
        var optimizer = state.Optimizer.Step(config.Optimizer, config.LearningRates(n, state.Round), parameters.Values, gradient, next.Values);
        if (config.Model == ModelKind.Rbm) next.TieEncoderToDecoder();
        if (!next.IsFinite()) throw new NonFiniteGradientException(state.Round + 1);
        lap = profile?.Lap(RoundPhase.Optimizer, lap) ?? lap;

        var observables = NonequilibriumObservables.Compute(kernel, pi);
        var row = new MetricsRow(state.Round + 1, batchLogLikelihood, observables.EntropyProduction,
            observables.MeanSelfTransition, observables.MaxAbsCurrent);
        profile?.Lap(RoundPhase.Observables, lap);
        return (new TrainingState(config, state.Round + 1, next, optimizer, newChainStates), row);
    }
}
