using LatentCycles.Core.Data;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Model;

/// <summary>
/// Parameters of the nonequilibrium latent-cycle model (MODEL.md §1):
/// encoder p(z|x) = softmax(W x + b) and decoder q(x|z) = Π_i Bern(σ(L_iz)).
/// Plain arrays, so a checkpoint saves and restores them exactly.
/// </summary>
public sealed class ModelParameters
{
    public const int MaxStates = 255;

    public ModelParameters(int k, int n)
        : this(k, n, new double[k * n], new double[k], new double[n * k]) { }

    public ModelParameters(int k, int n, double[] w, double[] b, double[] l)
    {
        if (k < 2 || k > MaxStates) throw new ArgumentOutOfRangeException(nameof(k), $"K must be between 2 and {MaxStates}, got {k}");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"N must be at least 1, got {n}");
        if (w.Length != k * n || b.Length != k || l.Length != n * k)
            throw new ArgumentException("parameter arrays do not match K and N");
        K = k;
        N = n;
        W = w;
        B = b;
        L = l;
    }

    /// <summary>Number of latent states.</summary>
    public int K { get; }

    /// <summary>Number of visible units.</summary>
    public int N { get; }

    /// <summary>Encoder weights, K×N row-major: <c>W[k*N + i]</c>.</summary>
    public double[] W { get; }

    /// <summary>Encoder biases, K.</summary>
    public double[] B { get; }

    /// <summary>Decoder logits, N×K row-major: <c>L[i*K + z]</c> = logit of pixel i given z.</summary>
    public double[] L { get; }

    /// <summary>Number of scalar parameters (W, b, L in that order when flattened).</summary>
    public int Length => K * N + K + N * K;

    public ModelParameters Clone() => new(K, N, (double[])W.Clone(), (double[])B.Clone(), (double[])L.Clone());

    /// <summary>All parameters in one vector: W, then b, then L.</summary>
    public double[] Flatten()
    {
        var v = new double[Length];
        W.CopyTo(v, 0);
        B.CopyTo(v, K * N);
        L.CopyTo(v, K * N + K);
        return v;
    }

    public static ModelParameters Unflatten(int k, int n, ReadOnlySpan<double> v)
    {
        var p = new ModelParameters(k, n);
        if (v.Length != p.Length) throw new ArgumentException($"expected {p.Length} parameters, got {v.Length}");
        v[..(k * n)].CopyTo(p.W);
        v.Slice(k * n, k).CopyTo(p.B);
        v.Slice(k * n + k, n * k).CopyTo(p.L);
        return p;
    }

    /// <summary>True when every parameter is finite.</summary>
    public bool IsFinite()
    {
        foreach (var a in new[] { W, B, L })
            foreach (var v in a)
                if (!double.IsFinite(v)) return false;
        return true;
    }

    /// <summary>
    /// Initialization (MODEL.md §3, "Initialization"): decoder logits L_iz = log((m_i + α)/(1 − m_i + α)) from the
    /// training pixel means m_i plus Gaussian noise of standard deviation <paramref name="decoderNoise"/>, encoder
    /// weights Gaussian noise of standard deviation <paramref name="encoderNoise"/>, biases zero. Deterministic in the seed.
    /// </summary>
    public static ModelParameters Initialize(int k, double[] pixelMeans, ulong seed, double encoderNoise, double decoderNoise, double decoderSmoothing)
    {
        var n = pixelMeans.Length;
        var p = new ModelParameters(k, n);
        var rng = new CounterRandom(seed, StreamPurpose.Initialization, 0, 0, 0);
        for (var j = 0; j < p.W.Length; j++) p.W[j] = encoderNoise * rng.NextGaussian();
        for (var i = 0; i < n; i++)
        {
            var logit = Math.Log((pixelMeans[i] + decoderSmoothing) / (1 - pixelMeans[i] + decoderSmoothing));
            for (var z = 0; z < k; z++) p.L[i * k + z] = logit + decoderNoise * rng.NextGaussian();
        }
        return p;
    }

    /// <summary>
    /// Tied parameters (MODEL.md §6): W = Lᵀ and b = c, which turns the model into an RBM with one
    /// K-state softmax hidden unit.
    /// </summary>
    public static ModelParameters Tied(int k, int n, double[] l, double[] c)
    {
        var p = new ModelParameters(k, n, new double[k * n], (double[])c.Clone(), (double[])l.Clone());
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                p.W[z * n + i] = l[i * k + z];
        return p;
    }
}
