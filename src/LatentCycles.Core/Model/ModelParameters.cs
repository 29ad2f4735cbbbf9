using LatentCycles.Core.Data;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Model;

/// <summary>
/// Parameters of the nonequilibrium latent-cycle model (MODEL.md §1):
/// encoder p(z|x) = softmax(W x + b) and decoder q(x|z) = Π_i Bern(σ(L_iz)).
/// One flat vector (<see cref="Values"/>, laid out by <see cref="ParameterLayout"/>) with W, b and L as views of it,
/// so the optimizer steps the vector the round hands on and a checkpoint saves and restores it exactly.
/// </summary>
public sealed class ModelParameters
{
    public const int MaxStates = 255;

    public ModelParameters(int k, int n) : this(k, n, new double[new ParameterLayout(k, n).Length]) { }

    /// <summary>Parameters over <paramref name="values"/> (W, b, L in that order), which they own from now on.</summary>
    public ModelParameters(int k, int n, double[] values)
    {
        if (k < 2 || k > MaxStates) throw new ArgumentOutOfRangeException(nameof(k), $"K must be between 2 and {MaxStates}, got {k}");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"N must be at least 1, got {n}");
        Layout = new ParameterLayout(k, n);
        if (values.Length != Layout.Length) throw new ArgumentException($"expected {Layout.Length} parameters, got {values.Length}");
        Values = values;
    }

    /// <summary>Parameters with copies of the three blocks.</summary>
    public static ModelParameters FromBlocks(int k, int n, ReadOnlySpan<double> w, ReadOnlySpan<double> b, ReadOnlySpan<double> l)
    {
        if (w.Length != k * n || b.Length != k || l.Length != n * k)
            throw new ArgumentException("parameter arrays do not match K and N");
        var p = new ModelParameters(k, n);
        w.CopyTo(p.W);
        b.CopyTo(p.B);
        l.CopyTo(p.L);
        return p;
    }

    public ParameterLayout Layout { get; }

    /// <summary>Number of latent states.</summary>
    public int K => Layout.K;

    /// <summary>Number of visible units.</summary>
    public int N => Layout.N;

    /// <summary>All parameters: W, then b, then L.</summary>
    public double[] Values { get; }

    /// <summary>Encoder weights, K×N row-major: <c>W[k*N + i]</c>.</summary>
    public Span<double> W => Layout.W(Values.AsSpan());

    /// <summary>Encoder biases, K.</summary>
    public Span<double> B => Layout.B(Values.AsSpan());

    /// <summary>Decoder logits, N×K row-major: <c>L[i*K + z]</c> = logit of pixel i given z.</summary>
    public Span<double> L => Layout.L(Values.AsSpan());

    /// <summary>Number of scalar parameters.</summary>
    public int Length => Values.Length;

    public ModelParameters Clone() => new(K, N, (double[])Values.Clone());

    /// <summary>True when every parameter is finite.</summary>
    public bool IsFinite()
    {
        foreach (var v in Values)
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
    public static ModelParameters Tied(int k, int n, ReadOnlySpan<double> l, ReadOnlySpan<double> c)
    {
        var p = FromBlocks(k, n, new double[k * n], c, l);
        p.TieEncoderToDecoder();
        return p;
    }

    /// <summary>Sets W = Lᵀ in place, so b and L alone are the RBM's parameters (MODEL.md §6).</summary>
    public void TieEncoderToDecoder()
    {
        int k = K, n = N;
        var w = W;
        ReadOnlySpan<double> l = L;
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                w[z * n + i] = l[i * k + z];
    }
}
