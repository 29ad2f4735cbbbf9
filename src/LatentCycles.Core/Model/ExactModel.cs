using LatentCycles.Core.Data;
using LatentCycles.Core.Observables;

namespace LatentCycles.Core.Model;

/// <summary>
/// Exact quantities of a small model by enumerating all 2^N visible states (MODEL.md §9): the latent kernel
/// M(z→z') = Σ_x q(x|z) p(z'|x), its stationary π, and log p(x) = logsumexp_z[log π(z) + log q(x|z)].
/// Only for N ≤ <see cref="MaxPixels"/>; the reference every estimator is tested against.
/// </summary>
public sealed class ExactModel
{
    public const int MaxPixels = 20;

    private readonly ModelParameters _parameters;

    public ExactModel(ModelParameters parameters)
    {
        if (parameters.N > MaxPixels) throw new ArgumentException($"exact enumeration needs N ≤ {MaxPixels}, got {parameters.N}");
        _parameters = parameters;
        int k = parameters.K, n = parameters.N, states = 1 << n;
        LogDecoder = new double[states * k];
        Encoder = new double[states * k];
        ReadOnlySpan<double> w = parameters.W, decoderLogits = parameters.L;
        Span<double> logits = stackalloc double[k];
        for (var x = 0; x < states; x++)
        {
            parameters.B.CopyTo(logits);
            for (var i = 0; i < n; i++)
                if (((x >> i) & 1) == 1)
                    for (var kk = 0; kk < k; kk++) logits[kk] += w[kk * n + i];
            Logistic.Softmax(logits, Encoder.AsSpan(x * k, k));
            for (var z = 0; z < k; z++)
            {
                var logq = 0.0;
                for (var i = 0; i < n; i++)
                {
                    var l = decoderLogits[i * k + z];
                    logq += ((x >> i) & 1) == 1 ? -Logistic.Softplus(-l) : -Logistic.Softplus(l);
                }
                LogDecoder[x * k + z] = logq;
            }
        }
        var kernel = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var x = 0; x < states; x++)
            {
                var q = Math.Exp(LogDecoder[x * k + z]);
                for (var zNext = 0; zNext < k; zNext++) kernel[z * k + zNext] += q * Encoder[x * k + zNext];
            }
        // Each row sums to 1 up to rounding over 2^N terms; renormalize so the kernel is exactly stochastic.
        for (var z = 0; z < k; z++)
        {
            var sum = 0.0;
            for (var j = 0; j < k; j++) sum += kernel[z * k + j];
            for (var j = 0; j < k; j++) kernel[z * k + j] /= sum;
        }
        Kernel = new LatentKernel(k, kernel);
        Stationary = StationaryDistribution.Solve(Kernel);
    }

    public int K => _parameters.K;
    public int N => _parameters.N;

    /// <summary>[x*K + z] = log q(x|z), x the bit pattern of the visible state (bit i = pixel i).</summary>
    public double[] LogDecoder { get; }

    /// <summary>[x*K + z] = p(z|x).</summary>
    public double[] Encoder { get; }

    /// <summary>M, K×K row-stochastic.</summary>
    public LatentKernel Kernel { get; }

    /// <summary>π, the stationary distribution of M.</summary>
    public double[] Stationary { get; }

    public static int Pattern(ReadOnlySpan<byte> image)
    {
        var x = 0;
        for (var i = 0; i < image.Length; i++) x |= image[i] << i;
        return x;
    }

    /// <summary>log p(x) for the visible state with bit pattern x.</summary>
    public double LogProbability(int x)
    {
        var k = K;
        Span<double> terms = stackalloc double[k];
        for (var z = 0; z < k; z++) terms[z] = Math.Log(Stationary[z]) + LogDecoder[x * k + z];
        return Logistic.LogSumExp(terms);
    }

    /// <summary>ℒ = E_D log p(x), the exact mean log-likelihood of a data set.</summary>
    public double MeanLogLikelihood(BinaryImages data)
    {
        var sum = 0.0;
        for (var j = 0; j < data.Count; j++) sum += LogProbability(Pattern(data.Image(j)));
        return sum / data.Count;
    }

    /// <summary>ρ(z) = E_D r(z|x), the data's mean posterior responsibilities.</summary>
    public double[] Responsibilities(BinaryImages data)
    {
        var k = K;
        var rho = new double[k];
        for (var j = 0; j < data.Count; j++)
        {
            var x = Pattern(data.Image(j));
            var logP = LogProbability(x);
            for (var z = 0; z < k; z++) rho[z] += Math.Exp(Math.Log(Stationary[z]) + LogDecoder[x * k + z] - logP) / data.Count;
        }
        return rho;
    }
}
