using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Baselines;

/// <summary>Settings of the EM fit of a K-component Bernoulli mixture (MODEL.md §7).</summary>
public sealed record BernoulliMixtureOptions
{
    /// <summary>Independent random initializations; the one with the best final train log-likelihood is kept.</summary>
    public int Restarts { get; init; } = 3;

    /// <summary>Upper bound on EM iterations (M-step then E-step) per restart.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>A restart stops once one iteration changes the mean train log-likelihood by less than this (nats).</summary>
    public double Tolerance { get; init; } = 1e-4;

    public ulong Seed { get; init; }

    /// <summary>
    /// α of the Beta(1+α, 1+α) prior on every Bernoulli mean: the M-step gives the MAP mean
    /// μ_iz = (Σ_j r_jz x_ij + α) / (Σ_j r_jz + 2α), which stays inside (0, 1) so every logit is finite.
    /// The default 0.01 is a hundredth of an image, so the fit stays the maximum-likelihood ceiling to well
    /// within a millinat while a pixel never on in a component still costs a finite ~ln(Σ_j r_jz / α) nats.
    /// </summary>
    public double PseudoCount { get; init; } = 0.01;

    internal void Validate()
    {
        if (Restarts < 1) throw new ArgumentOutOfRangeException(nameof(Restarts), $"restarts must be at least 1, got {Restarts}");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), $"max iterations must be at least 1, got {MaxIterations}");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), $"tolerance must be non-negative, got {Tolerance}");
        if (!(PseudoCount > 0) || double.IsInfinity(PseudoCount))
            throw new ArgumentOutOfRangeException(nameof(PseudoCount), $"pseudo-count must be positive and finite, got {PseudoCount}");
    }
}

/// <summary>
/// A fitted K-component product-Bernoulli mixture p(x) = Σ_z π(z) Π_i Bern(x_i; σ(L_iz)) (MODEL.md §7).
/// Evaluate it with <c>MixtureLikelihood.MeanLogLikelihood(data, fit.LogPi, fit.LogitsNK)</c>.
/// </summary>
public sealed class BernoulliMixtureFit
{
    internal BernoulliMixtureFit(
        int k, int pixelCount, double[] logPi, double[] logitsNK, double trainMeanLogLikelihood, int iterations,
        int bestRestart, double[] meanLogLikelihoodTrace, double[] objectiveTrace, double[] restartMeanLogLikelihoods)
    {
        K = k;
        PixelCount = pixelCount;
        LogPi = logPi;
        MixingWeights = Array.ConvertAll(logPi, Math.Exp);
        LogitsNK = logitsNK;
        TrainMeanLogLikelihood = trainMeanLogLikelihood;
        Iterations = iterations;
        BestRestart = bestRestart;
        MeanLogLikelihoodTrace = meanLogLikelihoodTrace;
        ObjectiveTrace = objectiveTrace;
        RestartMeanLogLikelihoods = restartMeanLogLikelihoods;
    }

    /// <summary>Number of components.</summary>
    public int K { get; }

    /// <summary>N, the number of pixels.</summary>
    public int PixelCount { get; }

    /// <summary>Mixing weights π, K values summing to 1.</summary>
    public double[] MixingWeights { get; }

    /// <summary>log π, K values (−∞ for a component that lost all its images).</summary>
    public double[] LogPi { get; }

    /// <summary>Component logits, N×K row-major like <c>ModelParameters.L</c>: <c>LogitsNK[i*K + z]</c> = logit of pixel i in component z.</summary>
    public double[] LogitsNK { get; }

    /// <summary>Mean log-likelihood of the training images under the fit, in nats.</summary>
    public double TrainMeanLogLikelihood { get; }

    /// <summary>EM iterations run by the winning restart.</summary>
    public int Iterations { get; }

    /// <summary>Index (0-based) of the restart that was kept.</summary>
    public int BestRestart { get; }

    /// <summary>Mean train log-likelihood of the winning restart after its initialization and after each iteration (Iterations + 1 values).</summary>
    public IReadOnlyList<double> MeanLogLikelihoodTrace { get; }

    /// <summary>
    /// The quantity EM climbs, aligned with <see cref="MeanLogLikelihoodTrace"/>: mean log-likelihood plus
    /// (α / Count) Σ_iz [log μ_iz + log(1 − μ_iz)], the Beta prior's log-density per image. It never decreases;
    /// the log-likelihood alone may dip by a hair because of the prior.
    /// </summary>
    public IReadOnlyList<double> ObjectiveTrace { get; }

    /// <summary>Final mean train log-likelihood of every restart, in restart order.</summary>
    public IReadOnlyList<double> RestartMeanLogLikelihoods { get; }
}

/// <summary>
/// Expectation-maximization for a K-component Bernoulli mixture: the maximum-likelihood member of the
/// model family, whose train log-likelihood bounds those of the nonequilibrium model and the RBM (MODEL.md §7).
/// Single-threaded and summed in a fixed order, so the same seed gives a bit-identical fit.
/// </summary>
public static class BernoulliMixtureEm
{
    public static BernoulliMixtureFit Fit(BinaryImages train, int k, BernoulliMixtureOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"the mixture needs at least 1 component, got K = {k}");
        if (train.Count == 0) throw new ArgumentException("cannot fit a Bernoulli mixture to an empty image set", nameof(train));
        options.Validate();

        var active = train.Active;
        RestartResult? best = null;
        var restartLogLikelihoods = new double[options.Restarts];
        for (var restart = 0; restart < options.Restarts; restart++)
        {
            var result = RunRestart(train, active, k, options, restart);
            restartLogLikelihoods[restart] = result.MeanLogLikelihood;
            if (best is null || result.MeanLogLikelihood > best.MeanLogLikelihood) best = result;
        }

        return new BernoulliMixtureFit(
            k, train.PixelCount, best!.LogPi, best.LogitsNK, best.MeanLogLikelihood, best.Iterations, best.Restart,
            best.MeanLogLikelihoodTrace, best.ObjectiveTrace, restartLogLikelihoods);
    }

    private sealed record RestartResult(
        int Restart, double[] LogPi, double[] LogitsNK, double MeanLogLikelihood, int Iterations,
        double[] MeanLogLikelihoodTrace, double[] ObjectiveTrace);

    /// <summary>
    /// One restart: every image goes to a uniformly random component (stream (seed, Baseline, restart, 0, 0),
    /// images in order), an M-step turns that into parameters, then E- and M-steps alternate until the mean
    /// log-likelihood moves by less than the tolerance or the iteration budget is spent.
    /// </summary>
    private static RestartResult RunRestart(BinaryImages train, ActivePixels active, int k, BernoulliMixtureOptions options, int restart)
    {
        var count = train.Count;
        var responsibilities = new double[count * k];
        var random = new CounterRandom(options.Seed, StreamPurpose.Baseline, (uint)restart, 0, 0);
        for (var j = 0; j < count; j++) responsibilities[j * k + random.NextInt(k)] = 1;

        var logPi = new double[k];
        var logitsNK = new double[train.PixelCount * k];
        MaximizationStep(active, responsibilities, k, options.PseudoCount, logPi, logitsNK);
        var meanLogLikelihood = ExpectationStep(train, logPi, logitsNK, responsibilities);
        var logLikelihoodTrace = new List<double> { meanLogLikelihood };
        var objectiveTrace = new List<double> { meanLogLikelihood + LogPriorPerImage(logitsNK, options.PseudoCount, count) };

        var iterations = 0;
        while (iterations < options.MaxIterations)
        {
            MaximizationStep(active, responsibilities, k, options.PseudoCount, logPi, logitsNK);
            var previous = meanLogLikelihood;
            meanLogLikelihood = ExpectationStep(train, logPi, logitsNK, responsibilities);
            iterations++;
            logLikelihoodTrace.Add(meanLogLikelihood);
            objectiveTrace.Add(meanLogLikelihood + LogPriorPerImage(logitsNK, options.PseudoCount, count));
            if (Math.Abs(meanLogLikelihood - previous) < options.Tolerance) break;
        }

        return new RestartResult(restart, logPi, logitsNK, meanLogLikelihood, iterations, logLikelihoodTrace.ToArray(), objectiveTrace.ToArray());
    }

    /// <summary>
    /// E-step: posterior responsibilities r_jz = π(z) q(x_j|z) / p(x_j) written into
    /// <paramref name="responsibilities"/> (Count×K), and the mean log-likelihood (nats) of the current parameters.
    /// Sums images in order exactly as <c>MixtureLikelihood.MeanLogLikelihood</c> does, so the two agree to the bit.
    /// </summary>
    private static double ExpectationStep(BinaryImages train, double[] logPi, double[] logitsNK, double[] responsibilities)
    {
        var k = logPi.Length;
        var componentLogDensities = MixtureLikelihood.ComponentLogDensities(train, logitsNK, k);
        Span<double> terms = stackalloc double[k];
        var sum = 0.0;
        for (var j = 0; j < train.Count; j++)
        {
            for (var z = 0; z < k; z++) terms[z] = logPi[z] + componentLogDensities[j * k + z];
            var logP = Logistic.LogSumExp(terms);
            for (var z = 0; z < k; z++) responsibilities[j * k + z] = Math.Exp(terms[z] - logP);
            sum += logP;
        }
        return sum / train.Count;
    }

    /// <summary>
    /// M-step: π(z) = Σ_j r_jz / Count and the MAP Bernoulli means μ_iz = (S_iz + α) / (R_z + 2α), with
    /// R_z = Σ_j r_jz and S_iz = Σ_j r_jz x_ij summed over active pixels only. Writes log π (K) and the logits
    /// L_iz = ln(S_iz + α) − ln(R_z − S_iz + α) (N×K), which avoids forming μ near 0 or 1.
    /// </summary>
    private static void MaximizationStep(ActivePixels active, double[] responsibilities, int k, double alpha, double[] logPi, double[] logitsNK)
    {
        var count = active.Offsets.Length - 1;
        var n = logitsNK.Length / k;
        var weights = new double[k];
        var onSums = new double[n * k];
        for (var j = 0; j < count; j++)
        {
            var r = responsibilities.AsSpan(j * k, k);
            for (var z = 0; z < k; z++) weights[z] += r[z];
            foreach (var i in active.ForImage(j))
            {
                var row = onSums.AsSpan(i * k, k);
                for (var z = 0; z < k; z++) row[z] += r[z];
            }
        }

        for (var z = 0; z < k; z++) logPi[z] = Math.Log(weights[z] / count);
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
            {
                var on = onSums[i * k + z];
                // Rounding can leave S_iz a few ulps above R_z; the prior count keeps the "off" mass positive anyway.
                logitsNK[i * k + z] = Math.Log(on + alpha) - Math.Log(Math.Max(weights[z] - on, 0) + alpha);
            }
    }

    /// <summary>(α / Count) Σ_iz [log σ(L_iz) + log(1 − σ(L_iz))]: the Beta(1+α, 1+α) log-prior per image, up to a constant.</summary>
    private static double LogPriorPerImage(double[] logitsNK, double alpha, int count)
    {
        var sum = 0.0;
        foreach (var l in logitsNK) sum -= Logistic.Softplus(-l) + Logistic.Softplus(l);
        return alpha * sum / count;
    }
}
