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
/// Merging is element-wise addition; merging blocks in block-id order gives bit-identical sums
/// whichever threads or nodes produced them.
/// </summary>
public sealed class ChainStatistics
{
    public ChainStatistics(int k, int n)
    {
        K = k;
        N = n;
        C = new double[k * k];
        P = new double[k * k];
        Sx = new double[k * k * n];
        G = new double[k * n * k];
        GP = new double[k * k];
    }

    public ChainStatistics(int k, int n, long transitions, double[] c, double[] p, double[] sx, double[] g, double[] gp)
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

    public double[] C { get; }
    public double[] P { get; }
    public double[] Sx { get; }
    public double[] G { get; }
    public double[] GP { get; }

    public void Clear()
    {
        Transitions = 0;
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
        AddInto(C, other.C);
        AddInto(P, other.P);
        AddInto(Sx, other.Sx);
        AddInto(G, other.G);
        AddInto(GP, other.GP);
    }

    private static void AddInto(double[] target, double[] source)
    {
        System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
    }

    /// <summary>Sums block statistics in the order given (the caller passes them in block-id order).</summary>
    public static ChainStatistics Merge(IEnumerable<ChainStatistics> inBlockOrder)
    {
        ChainStatistics? total = null;
        foreach (var s in inBlockOrder)
        {
            total ??= new ChainStatistics(s.K, s.N);
            total.Add(s);
        }
        return total ?? throw new ArgumentException("no statistics to merge");
    }
}
