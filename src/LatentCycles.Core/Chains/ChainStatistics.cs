using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentCycles.Core.Chains;

/// <summary>
/// The two-step sufficient statistics of MODEL.md §3, summed over the chains and sweeps of a block,
/// for the transitions z_{t-1} → x_t → z_t:
/// <list type="bullet">
/// <item><c>C[z*K + z']</c>: count of transitions with (z_{t-1}, z_t) = (z, z').</item>
/// <item><c>P[z*K + k]</c>: Σ p_k(x_t) over steps with z_{t-1} = z (Rao-Blackwellized kernel rows).</item>
/// <item><c>Sx[(z*K + z')*N + i]</c>: Σ x_{t,i} over steps with (z_{t-1}, z_t) = (z, z').</item>
/// <item><c>G[(z'*N + i)*K + k]</c>: Σ p_k(x_t) x_{t,i} over steps with z_t = z'.</item>
/// <item><c>GP[z'*K + k]</c>: Σ p_k(x_t) over steps with z_t = z'.</item>
/// </list>
/// Every entry is an integer: counts as they are, and probability sums in fixed point, each term p rounded to the
/// nearest multiple of <see cref="ProbabilityUnit"/> = 2⁻³² in G and GP (an error far below the Monte Carlo noise),
/// and of <see cref="KernelUnit"/> = 2⁻⁹⁶ in P, whose tiny entries decide whether a reverse transition has probability
/// zero, i.e. whether the entropy production is defined. Integer sums are
/// exact and associative, so merging statistics in any order or grouping — by threads, nodes, or after a resume —
/// gives the same bits. Read them as doubles through <see cref="ProbabilityUnit"/>.
/// </summary>
public sealed class ChainStatistics
{
    /// <summary>The value of one fixed-point unit of G and GP.</summary>
    public const double ProbabilityUnit = 1.0 / 4294967296.0;

    /// <summary>The value of one fixed-point unit of P: 2⁻⁹⁶, so that sums over up to 2³¹ transitions fit in 128 bits.</summary>
    public static readonly double KernelUnit = Math.ScaleB(1.0, -96);

    private static readonly double KernelScale = Math.ScaleB(1.0, 96);

    /// <summary>A probability in units of <see cref="ProbabilityUnit"/>, rounded to nearest.</summary>
    public static long ToFixedPoint(double p) => (long)(p * 4294967296.0 + 0.5);

    /// <summary>A probability in units of <see cref="KernelUnit"/>, rounded to nearest.</summary>
    public static Int128 ToKernelFixedPoint(double p) => (Int128)(p * KernelScale + 0.5);

    /// <summary>
    /// <see cref="ToKernelFixedPoint"/> for the chain sweep, where the general double → Int128 conversion costs more than
    /// the rest of a step's kernel-row update: below 2⁶³ the value truncates through a long, above it a double is an
    /// integer, its 53-bit significand shifted left. Same bits as <see cref="ToKernelFixedPoint"/> for every input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Int128 ToKernelFixedPointFast(double p)
    {
        const double twoTo63 = 9223372036854775808.0;
        const double twoTo126 = 85070591730234615865843651857942052864.0;
        var scaled = p * KernelScale + 0.5;
        if (scaled > -twoTo63 && scaled < twoTo63) return (long)scaled;
        if (scaled >= twoTo63 && scaled < twoTo126)
        {
            var bits = BitConverter.DoubleToInt64Bits(scaled);
            var significand = (bits & 0x000F_FFFF_FFFF_FFFFL) | 0x0010_0000_0000_0000L;
            return (Int128)significand << (int)(((bits >> 52) & 0x7FF) - 1075);
        }
        return (Int128)scaled;
    }

    public ChainStatistics(int k, int n)
    {
        K = k;
        N = n;
        C = new long[k * k];
        P = new Int128[k * k];
        Sx = new long[k * k * n];
        G = new long[k * n * k];
        GP = new long[k * k];
    }

    public ChainStatistics(int k, int n, long transitions, long[] c, Int128[] p, long[] sx, long[] g, long[] gp)
    {
        if (c.Length != k * k || p.Length != k * k || sx.Length != k * k * n || g.Length != k * n * k || gp.Length != k * k)
            throw new ArgumentException("statistics arrays do not match K and N");
        K = k;
        N = n;
        Transitions = transitions;
        C = c;
        P = p;
        Sx = sx;
        G = g;
        GP = gp;
    }

    public int K { get; }
    public int N { get; }

    /// <summary>T, the number of transitions summed.</summary>
    public long Transitions { get; set; }

    public long[] C { get; }
    public Int128[] P { get; }
    public long[] Sx { get; }
    public long[] G { get; }
    public long[] GP { get; }

    /// <summary>
    /// Set when some step's encoder probabilities were not finite (parameters so large that the logits overflow):
    /// fixed point cannot carry a NaN, so the flag does, and the round must be rejected.
    /// </summary>
    public bool HasNonFiniteProbabilities { get; set; }

    public void Clear()
    {
        Transitions = 0;
        HasNonFiniteProbabilities = false;
        Array.Clear(C);
        Array.Clear(P);
        Array.Clear(Sx);
        Array.Clear(G);
        Array.Clear(GP);
    }

    /// <summary>Adds another block's statistics to these (this ← this + other).</summary>
    public void Add(ChainStatistics other)
    {
        if (other.K != K || other.N != N) throw new ArgumentException("statistics of different shapes");
        Transitions += other.Transitions;
        HasNonFiniteProbabilities |= other.HasNonFiniteProbabilities;
        AddInto(C, other.C);
        for (var j = 0; j < P.Length; j++) P[j] += other.P[j];
        AddInto(Sx, other.Sx);
        AddInto(G, other.G);
        AddInto(GP, other.GP);
    }

    /// <summary>
    /// Moves another accumulator's statistics into these (this ← this + other, then other ← 0) in one pass over each
    /// array: a node's merge leaves its workers' accumulators clear for the next assignment without a second pass.
    /// </summary>
    public void Drain(ChainStatistics other)
    {
        if (other.K != K || other.N != N) throw new ArgumentException("statistics of different shapes");
        if (ReferenceEquals(other, this)) throw new ArgumentException("statistics cannot be drained into themselves");
        Transitions += other.Transitions;
        HasNonFiniteProbabilities |= other.HasNonFiniteProbabilities;
        other.Transitions = 0;
        other.HasNonFiniteProbabilities = false;
        DrainInto(C, other.C);
        for (var j = 0; j < P.Length; j++)
        {
            P[j] += other.P[j];
            other.P[j] = 0;
        }
        DrainInto(Sx, other.Sx);
        DrainInto(G, other.G);
        DrainInto(GP, other.GP);
    }

    /// <summary>
    /// P as doubles: Σ p(·|x_t) over steps leaving each state (K×K). Every p(z'|x) is a softmax entry, strictly
    /// positive, but terms below half a <see cref="KernelUnit"/> round to 0; a sum that is 0 is read as half a unit
    /// (MODEL.md §3, "Positivity of the kernel estimate"), so every entry of the kernel estimate stays positive and σ,
    /// the currents and the affinities stay defined.
    /// </summary>
    public double[] KernelRowSums() => Array.ConvertAll(P, v => v == 0 ? KernelFloor : (double)v * KernelUnit);

    /// <summary>What a zero sum in P is read as: half a <see cref="KernelUnit"/>, the largest value each of its terms could have had.</summary>
    public static readonly double KernelFloor = Math.ScaleB(1.0, -97);

    private static void AddInto(long[] target, long[] source)
    {
        System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
    }

    /// <summary>target += source, source ← 0, a vector at a time (hand-written: no library call both adds and clears).</summary>
    private static void DrainInto(long[] target, long[] source)
    {
        if (target.Length != source.Length) throw new ArgumentException("arrays of different lengths");
        ref var t = ref MemoryMarshal.GetArrayDataReference(target);
        ref var s = ref MemoryMarshal.GetArrayDataReference(source);
        var length = (nuint)target.Length;
        nuint j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 4 <= length; j += 4)
            {
                (Vector256.LoadUnsafe(ref t, j) + Vector256.LoadUnsafe(ref s, j)).StoreUnsafe(ref t, j);
                Vector256<long>.Zero.StoreUnsafe(ref s, j);
            }
        for (; j < length; j++)
        {
            Unsafe.Add(ref t, j) += Unsafe.Add(ref s, j);
            Unsafe.Add(ref s, j) = 0;
        }
    }
}
