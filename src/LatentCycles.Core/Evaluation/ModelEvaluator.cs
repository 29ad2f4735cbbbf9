using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Evaluation;

/// <summary>
/// A Monte Carlo estimate of the latent kernel M (MODEL.md §2) from <see cref="DrawsPerState"/> draws of x
/// per latent state, split into independent batches: <see cref="Kernel"/> uses every draw,
/// <see cref="BatchKernels"/>[b] only batch b's, so the batch-to-batch spread gives the error bar.
/// </summary>
public sealed record KernelEstimate(LatentKernel Kernel, IReadOnlyList<LatentKernel> BatchKernels, int DrawsPerState)
{
    public int K => Kernel.K;

    /// <summary>Standard error of each entry of <see cref="Kernel"/>, K×K: sd over batches / √batches.</summary>
    public double[] StandardErrors()
    {
        var k = K;
        var errors = new double[k * k];
        var samples = new double[BatchKernels.Count];
        for (var e = 0; e < k * k; e++)
        {
            for (var b = 0; b < samples.Length; b++) samples[b] = BatchKernels[b].Values[e];
            errors[e] = ModelEvaluator.StandardErrorOfMean(samples);
        }
        return errors;
    }
}

/// <summary>Mean log-likelihood over a data set in nats, with the Monte Carlo error of the kernel estimate.</summary>
public sealed record LikelihoodEstimate(double MeanNats, double StandardErrorNats);

/// <summary>
/// How to evaluate a model. The kernel is estimated afresh from the Evaluation streams of
/// (<paramref name="Seed"/>, <paramref name="Round"/>) unless <paramref name="Kernel"/> is given (so a trainer
/// can evaluate train and test data with one estimate); it must then belong to the same parameters.
/// </summary>
public sealed record EvaluationOptions(
    ulong Seed,
    uint Round = 0,
    int DrawsPerState = ModelEvaluator.DefaultDrawsPerState,
    int Batches = ModelEvaluator.DefaultBatches,
    KernelEstimate? Kernel = null,
    int TriangleCount = NonequilibriumObservables.DefaultTriangleCount);

/// <summary>A model's likelihood on a data set and the observables of the kernel it was computed with.</summary>
public sealed record ModelEvaluation(LikelihoodEstimate Likelihood, NonequilibriumObservables Observables, KernelEstimate Kernel);

/// <summary>
/// Evaluates a model from a fresh Monte Carlo sample of its latent kernel (MODEL.md §2 and §4), never from
/// the training chains.
/// </summary>
public static class ModelEvaluator
{
    public const int DefaultDrawsPerState = 2000;
    public const int DefaultBatches = 10;

    /// <summary>
    /// Estimates M(z → ·) = E_{x~q(·|z)}[p(·|x)] Rao-Blackwellized: for each z, <paramref name="drawsPerState"/>
    /// draws x ~ q(·|z), each adding the whole vector p(·|x) to row z. The draws of state z in batch b come
    /// from the stream (seed, Evaluation, z·batches + b, round, 0); each (z, b) fills its own row sum and the
    /// batches are added in order, so the result does not depend on the number of threads.
    /// </summary>
    /// <param name="maxThreads">Thread-pool threads the draws may use at once; null: as many as the pool gives.</param>
    public static KernelEstimate EstimateKernel(ModelParameters parameters, ulong seed, uint round = 0,
        int drawsPerState = DefaultDrawsPerState, int batches = DefaultBatches, int? maxThreads = null)
    {
        if (maxThreads is < 1) throw new ArgumentOutOfRangeException(nameof(maxThreads), $"at least one thread, got {maxThreads}");
        if (batches < 2) throw new ArgumentOutOfRangeException(nameof(batches), $"the error bar needs at least 2 batches, got {batches}");
        if (drawsPerState < batches)
            throw new ArgumentOutOfRangeException(nameof(drawsPerState), $"{drawsPerState} draws per state cannot fill {batches} batches");
        if (!parameters.IsFinite()) throw new ArgumentException("the model parameters contain NaN or infinity");
        if ((long)parameters.K * batches > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(batches), "too many batches for the stream ids");

        var prepared = new PreparedParameters(parameters);
        var k = parameters.K;
        var rowSums = new double[k * batches][];
        Parallel.For(0, k * batches, new ParallelOptions { MaxDegreeOfParallelism = maxThreads ?? -1 }, unit =>
        {
            int z = unit / batches, b = unit % batches;
            var rng = new CounterRandom(seed, StreamPurpose.Evaluation, (uint)unit, round, 0);
            rowSums[unit] = SumEncoderProbabilities(prepared, z, BatchDraws(drawsPerState, batches, b), rng);
        });

        var total = new double[k * k];
        var batchKernels = new LatentKernel[batches];
        for (var b = 0; b < batches; b++)
        {
            var weights = new double[k * k];
            for (var z = 0; z < k; z++)
            {
                rowSums[z * batches + b].CopyTo(weights, z * k);
                for (var j = 0; j < k; j++) total[z * k + j] += weights[z * k + j];
            }
            batchKernels[b] = LatentKernel.FromRowWeights(weights, k);
        }
        return new KernelEstimate(LatentKernel.FromRowWeights(total, k), batchKernels, drawsPerState);
    }

    /// <summary>
    /// The mean log-likelihood of <paramref name="data"/> with π from the full kernel estimate, its error bar from
    /// the spread of the mean log-likelihood under each batch's π, and the observables of the full kernel.
    /// </summary>
    public static ModelEvaluation Evaluate(ModelParameters parameters, BinaryImages data, EvaluationOptions options)
    {
        var kernel = options.Kernel ?? EstimateKernel(parameters, options.Seed, options.Round, options.DrawsPerState, options.Batches);
        if (kernel.K != parameters.K) throw new ArgumentException($"the kernel estimate has K = {kernel.K}, the model K = {parameters.K}");
        var pi = StationaryDistribution.Solve(kernel.Kernel);
        var likelihood = EstimateLikelihood(parameters, data, kernel, pi);
        return new ModelEvaluation(likelihood, NonequilibriumObservables.Compute(kernel.Kernel, pi, options.TriangleCount), kernel);
    }

    /// <summary>
    /// Standard error of the mean of <paramref name="samples"/>: their sample standard deviation / √count.
    /// Batch b's π comes from 1/B of the draws, so this estimates the error of the full estimate.
    /// </summary>
    internal static double StandardErrorOfMean(ReadOnlySpan<double> samples)
    {
        var mean = 0.0;
        foreach (var s in samples) mean += s;
        mean /= samples.Length;
        var squares = 0.0;
        foreach (var s in samples) squares += (s - mean) * (s - mean);
        return Math.Sqrt(squares / (samples.Length - 1) / samples.Length);
    }

    private static LikelihoodEstimate EstimateLikelihood(ModelParameters parameters, BinaryImages data, KernelEstimate kernel, double[] pi)
    {
        if (data.Count == 0) throw new ArgumentException("cannot evaluate the likelihood of an empty data set");
        if (data.PixelCount != parameters.N)
            throw new ArgumentException($"the images have {data.PixelCount} pixels, the model N = {parameters.N}");
        var k = parameters.K;
        var componentLogDensities = MixtureLikelihood.ComponentLogDensities(data, parameters.L, k);

        var stationary = new double[1 + kernel.BatchKernels.Count][];
        stationary[0] = pi;
        for (var b = 0; b < kernel.BatchKernels.Count; b++) stationary[1 + b] = StationaryDistribution.Solve(kernel.BatchKernels[b]);
        var means = MeanLogLikelihoods(componentLogDensities, stationary, data.Count);
        var mean = means[0];
        var batchMeans = means.AsSpan(1);
        var standardError = StandardErrorOfMean(batchMeans);
        if (!double.IsFinite(mean) || !double.IsFinite(standardError))
            throw new InvalidOperationException("the log-likelihood overflowed: the decoder logits are too large");
        return new LikelihoodEstimate(mean, standardError);
    }

    /// <summary>
    /// For each π of <paramref name="stationary"/>, the mean over images of log Σ_z π(z) q(x|z) = logsumexp_z[log π(z) +
    /// log q(x|z)]; componentLogDensities is Count×K. An image's exp(log q(x|z) − max_z log q(x|z)) are computed once and
    /// weighted by every π, so the K exponentials are shared by the full estimate and the batches' (for the error bar)
    /// instead of taken for each. Where Σ_z π(z)·exp(…) underflows (π nearly zero on the states that explain the image) the
    /// image's term is the log-sum-exp of log π + log q, which cannot. Images are added in order, so the bits do not depend
    /// on threads.
    /// </summary>
    internal static double[] MeanLogLikelihoods(double[] componentLogDensities, IReadOnlyList<double[]> stationary, int count)
    {
        var k = stationary[0].Length;
        var sums = new double[stationary.Count];
        Span<double> scaled = stackalloc double[k];
        Span<double> terms = stackalloc double[k];
        for (var j = 0; j < count; j++)
        {
            var densities = componentLogDensities.AsSpan(j * k, k);
            var max = double.NegativeInfinity;
            foreach (var d in densities) max = Math.Max(max, d);
            if (double.IsNegativeInfinity(max))
            {
                // No state can produce the image: its log-likelihood is −∞ under every π.
                for (var s = 0; s < sums.Length; s++) sums[s] += double.NegativeInfinity;
                continue;
            }
            for (var z = 0; z < k; z++) scaled[z] = Math.Exp(densities[z] - max);
            for (var s = 0; s < sums.Length; s++)
            {
                var pi = stationary[s];
                var mixture = 0.0;
                for (var z = 0; z < k; z++) mixture += pi[z] * scaled[z];
                if (mixture >= SmallestSafeMixture)
                {
                    sums[s] += max + Math.Log(mixture);
                    continue;
                }
                for (var z = 0; z < k; z++) terms[z] = Math.Log(pi[z]) + densities[z];
                sums[s] += Logistic.LogSumExp(terms);
            }
        }
        for (var s = 0; s < sums.Length; s++) sums[s] /= count;
        return sums;
    }

    /// <summary>Below this, Σ π·exp(…) may have lost digits to subnormal numbers, and the log-sum-exp is taken instead.</summary>
    private const double SmallestSafeMixture = 1e-290;

    private static int BatchDraws(int drawsPerState, int batches, int batch) =>
        drawsPerState / batches + (batch < drawsPerState % batches ? 1 : 0);

    /// <summary>
    /// Σ over <paramref name="draws"/> draws x ~ q(·|z) of p(·|x), K entries; draw d takes blocks d·PixelBlocks … of the
    /// stream (<see cref="PreparedParameters.PixelOf"/>) and is computed by the chain sweep's vector code (the same bits as
    /// drawing the words one block at a time).
    /// </summary>
    private static double[] SumEncoderProbabilities(PreparedParameters prepared, int z, int draws, CounterRandom rng)
    {
        var blocksPerDraw = (uint)prepared.PixelBlocks;
        var sweeper = new ChainSweeper(prepared.K, prepared.N);
        var sum = new double[prepared.K];
        for (var d = 0; d < draws; d++)
        {
            var p = sweeper.DrawEncoderProbabilities(prepared, z, rng.At((uint)d * blocksPerDraw));
            for (var j = 0; j < p.Length; j++) sum[j] += p[j];
        }
        return sum;
    }
}
