using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;

namespace LatentCycles.Core.Training;

/// <summary>The data phase of MODEL.md §3 on one minibatch: ∂ℒ/∂L from the posterior responsibilities, and ρ.</summary>
/// <param name="GradientL">N×K: E_D Σ_z r(z|x)(x_i − μ_iz) restricted to column z.</param>
/// <param name="Rho">K: ρ(z) = E_D r(z|x).</param>
/// <param name="MeanLogLikelihood">mean log p(x) over the minibatch with the π given (nats).</param>
public sealed record DataPhase(double[] GradientL, double[] Rho, double MeanLogLikelihood);

/// <summary>One K-vector over the next state z' for each parameter block W, b and L (chain-phase weights, score norms).</summary>
public sealed record ChainPhaseWeights(double[] W, double[] B, double[] L)
{
    /// <summary>The same weights for every block.</summary>
    public static ChainPhaseWeights Uniform(double[] g) => new(g, g, g);
}

/// <summary>
/// The gradient of the mean log-likelihood (MODEL.md §3) from a data minibatch and the merged two-step chain
/// statistics, and the PCD gradient of the RBM baseline (§6).
/// </summary>
public static class GradientEstimator
{
    /// <summary>π entries below this are treated as this when dividing ρ/π, so a state the chains never visit cannot make g infinite.</summary>
    public const double StationaryFloor = 1e-12;

    /// <summary>
    /// μ = σ(L), the decoder's pixel means, in L's layout (i·K + z). The data phase, the baselines and the chain phase all
    /// need them; a round computes them once (<see cref="RoundComputation.Apply"/>) instead of once in each.
    /// </summary>
    public static double[] DecoderMeans(ModelParameters parameters)
    {
        var mu = GC.AllocateUninitializedArray<double>(parameters.L.Length);
        Logistic.Sigmoid(parameters.L, mu);
        return mu;
    }

    /// <summary>
    /// Data phase: r(z|x) = π(z)q(x|z)/p(x) for each minibatch image, ρ = mean r and
    /// ∂ℒ/∂L_iz = E_D r(z|x)(x_i − σ(L_iz)). W and b get no data term.
    /// </summary>
    public static DataPhase ComputeDataPhase(ModelParameters parameters, BinaryImages batch, ReadOnlySpan<double> pi) =>
        ComputeDataPhase(parameters, batch, null, pi);

    /// <summary>
    /// <see cref="ComputeDataPhase(ModelParameters, BinaryImages, ReadOnlySpan{double})"/> on the minibatch of the images
    /// of <paramref name="data"/> at <paramref name="images"/> (all, in order, when null), without copying them: sums run
    /// over each image's active pixels, in the same order as over all pixels, so the bits are the same.
    /// </summary>
    /// <param name="decoderMeans">σ(L) in L's layout (<see cref="DecoderMeans"/>) when the caller has it already; computed here when null.</param>
    /// <param name="componentLogDensities">
    /// The images' log q(x_j|z) (<see cref="MixtureLikelihood.ComponentLogDensities(BinaryImages, IReadOnlyList{int}, ReadOnlySpan{double}, int)"/>)
    /// when the caller has them already; computed here when null.
    /// </param>
    public static DataPhase ComputeDataPhase(ModelParameters parameters, BinaryImages data, IReadOnlyList<int>? images, ReadOnlySpan<double> pi,
        double[]? decoderMeans = null, double[]? componentLogDensities = null) =>
        ComputeDataPhase(parameters, data.Active, images, images?.Count ?? data.Count, pi, decoderMeans, componentLogDensities);

    /// <summary>
    /// The data phase on the images of <paramref name="selected"/> in its order (a round's minibatch,
    /// <see cref="ActivePixels.Select"/>): the same numbers, the pixels read from one piece of memory.
    /// </summary>
    internal static DataPhase ComputeDataPhase(ModelParameters parameters, ActivePixels selected, ReadOnlySpan<double> pi,
        double[]? decoderMeans, double[] componentLogDensities) =>
        ComputeDataPhase(parameters, selected, null, selected.Count, pi, decoderMeans, componentLogDensities);

    /// <summary>Image j's active pixels are active.ForImage(images[j]) (images[j] = j when null).</summary>
    private static DataPhase ComputeDataPhase(ModelParameters parameters, ActivePixels active, IReadOnlyList<int>? images, int count,
        ReadOnlySpan<double> pi, double[]? decoderMeans, double[]? componentLogDensities)
    {
        int k = parameters.K, n = parameters.N;
        var mu = decoderMeans ?? DecoderMeans(parameters);
        Span<double> logPi = stackalloc double[k];
        for (var z = 0; z < k; z++) logPi[z] = pi[z] > 0 ? Math.Log(pi[z]) : double.NegativeInfinity;
        var comp = componentLogDensities ?? MixtureLikelihood.ComponentLogDensities(active, images, count, n, parameters.L, k);
        if (comp.Length != count * k) throw new ArgumentException("the component log-densities do not match the images", nameof(componentLogDensities));

        // r_j(z) = π(z)q(x_j|z)/p(x_j) of every image at once: log p(x_j) is the log-sum-exp of row j, computed as
        // Logistic.LogSumExp does, and r_j(z) the exponential of row j minus it. The exponentials of all rows go through
        // one vectorized call; each element gets the bits it gets alone (Logistic), and each row's terms are added in z
        // order, so the numbers are those of one row at a time.
        var stride = WeightedPixelStride(k);
        // Row j of r at [j·K …]; the stride − K numbers past the last row let the last row be read a stride at a time.
        var r = GC.AllocateUninitializedArray<double>(count * k + stride - k);
        // The rows are written below; the numbers past them are read into lanes never read back, and are zero.
        r.AsSpan(count * k).Clear();
        var maxima = new double[count];
        for (var j = 0; j < count; j++)
        {
            var max = double.NegativeInfinity;
            for (var z = 0; z < k; z++)
            {
                var v = logPi[z] + comp[j * k + z];
                r[j * k + z] = v;
                max = Math.Max(max, v);
            }
            maxima[j] = max;
            for (var z = 0; z < k; z++) r[j * k + z] -= max;
        }
        var terms = r.AsSpan(0, count * k);
        Logistic.Exp(terms, terms);
        var llSum = 0.0;
        for (var j = 0; j < count; j++)
        {
            var max = maxima[j];
            double logP;
            if (double.IsNegativeInfinity(max)) logP = double.NegativeInfinity;
            else
            {
                var sum = 0.0;
                for (var z = 0; z < k; z++) sum += r[j * k + z];
                logP = max + Logistic.Log(sum);
            }
            llSum += logP;
            // v − log p(x_j), v computed again from its two terms (the same bits).
            for (var z = 0; z < k; z++) r[j * k + z] = logPi[z] + comp[j * k + z] - logP;
        }
        Logistic.Exp(terms, terms);
        var responsibilitySum = new double[k];
        for (var j = 0; j < count; j++)
            for (var z = 0; z < k; z++)
                responsibilitySum[z] += r[j * k + z];

        var inv = 1.0 / count;
        var gradL = GC.AllocateUninitializedArray<double>(n * k);
        // Σ_j r_j(z) x_ji in rows padded to the stride: each image's row of r, read a stride at a time (the lanes past K
        // take the next row's first numbers and are never read back), added to the rows of its active pixels.
        // The rows start on 64-byte boundaries (a pinned array never moves), so each row's vectors hit whole cache lines.
        var weightedPixels = WeightedPixelRows(n * stride);
        weightedPixels.Clear();
        for (var j = 0; j < count; j++)
            ShortVectors.AddToSelectedRows(weightedPixels, stride, r.AsSpan(j * k, stride), active.ForImage(images?[j] ?? j));
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                gradL[i * k + z] = (weightedPixels[i * stride + z] - responsibilitySum[z] * mu[i * k + z]) * inv;
        var rho = new double[k];
        for (var z = 0; z < k; z++) rho[z] = responsibilitySum[z] * inv;
        return new DataPhase(gradL, rho, llSum * inv);
    }

    private const int CacheLineDoubles = 8;

    /// <summary>
    /// The data phase's rows of Σ_j r_j(z) x_ji: 16 wide for K 9 … 16 where 512-bit vectors are fast (two whole cache lines
    /// a row), else K padded to a multiple of 4. Each lane adds the same terms in the same order at any width.
    /// </summary>
    private static int WeightedPixelStride(int k) =>
        k is > 8 and <= 16 && Vector512.IsHardwareAccelerated ? 16 : ShortVectors.PaddedLength(k);

    /// <summary>
    /// The data phase's pinned scratch rows, one array per thread kept between rounds (a pinned array lives until a full
    /// collection, so one a round would pile up fresh pages), and where its first 64-byte boundary lies, found once.
    /// </summary>
    [ThreadStatic] private static double[]? _weightedPixelTable;

    [ThreadStatic] private static int _weightedPixelOffset;

    /// <summary><paramref name="length"/> doubles of the thread's pinned scratch, starting on a 64-byte boundary; not cleared.</summary>
    private static Span<double> WeightedPixelRows(int length)
    {
        if (_weightedPixelTable is not { } table || table.Length < length + CacheLineDoubles)
        {
            _weightedPixelTable = table = GC.AllocateUninitializedArray<double>(length + CacheLineDoubles, pinned: true);
            var handle = GCHandle.Alloc(table, GCHandleType.Pinned);
            try
            {
                var address = (ulong)handle.AddrOfPinnedObject();
                _weightedPixelOffset = (int)((64 - address % 64) % 64 / sizeof(double));
            }
            finally
            {
                handle.Free();
            }
        }
        return table.AsSpan(_weightedPixelOffset, length);
    }

    /// <summary>
    /// The neq model's gradient estimate (MODEL.md §3): the data phase plus the chain phase with the chosen form of g and
    /// baseline, from the merged statistics and the kernel estimate and π they give. <paramref name="data"/> is not changed.
    /// The gradient is one vector in the parameters' layout (<see cref="ParameterLayout"/>).
    /// </summary>
    /// <param name="decoderMeans">σ(L) in L's layout (<see cref="DecoderMeans"/>) when the caller has it already; computed here when null.</param>
    public static double[] NeqGradient(ModelParameters parameters, ChainStatistics merged, LatentKernel kernel,
        double[] pi, DataPhase data, GradientKind kind, BaselineKind baseline, double[]? decoderMeans = null)
    {
        var mu = decoderMeans ?? DecoderMeans(parameters);
        var layout = parameters.Layout;
        // W, b and L cover the vector: W and b start at zero for the chain phase to add into, L is copied whole.
        var gradient = GC.AllocateUninitializedArray<double>(layout.Length);
        layout.W(gradient.AsSpan()).Clear();
        layout.B(gradient.AsSpan()).Clear();
        data.GradientL.CopyTo(layout.L(gradient.AsSpan()));
        var g = TransitionWeights(kind, kernel, pi, data.Rho);
        AddChainPhase(parameters, merged, Centre(baseline, g, pi, parameters, merged, mu),
            layout.W(gradient.AsSpan()), layout.B(gradient.AsSpan()), layout.L(gradient.AsSpan()), mu);
        return gradient;
    }

    /// <summary>
    /// The chain-phase weights g (MODEL.md §3) before a baseline is subtracted: ρ/π for the two-step form, Z(ρ/π) with
    /// the fundamental matrix Z = (I − M + 1π)⁻¹ for the exact form. Both have Σ π g = Σ ρ = 1.
    /// </summary>
    public static double[] TransitionWeights(GradientKind kind, LatentKernel kernel, ReadOnlySpan<double> pi, ReadOnlySpan<double> rho)
    {
        var k = pi.Length;
        var ratio = new double[k];
        for (var z = 0; z < k; z++) ratio[z] = rho[z] / Math.Max(pi[z], StationaryFloor);
        if (kind == GradientKind.TwoStep) return ratio;
        var fundamental = KernelAlgebra.FundamentalMatrix(kernel, pi);
        var g = new double[k];
        for (var a = 0; a < k; a++)
        {
            var sum = 0.0;
            for (var b = 0; b < k; b++) sum += fundamental[a * k + b] * ratio[b];
            g[a] = sum;
        }
        return g;
    }

    /// <summary>
    /// The weights g − c of each parameter block for the baseline chosen (MODEL.md §3, "Baselines"). The optimal
    /// baselines weight g(z') by the squared score norms of the round's transitions into z' (<see cref="ScoreNorms"/>).
    /// </summary>
    /// <param name="decoderMeans">σ(L) in L's layout (<see cref="DecoderMeans"/>) when the caller has it already; computed here when null.</param>
    public static ChainPhaseWeights Centre(BaselineKind baseline, ReadOnlySpan<double> g, ReadOnlySpan<double> pi,
        ModelParameters parameters, ChainStatistics s, double[]? decoderMeans = null)
    {
        switch (baseline)
        {
            case BaselineKind.StationaryMean:
                return ChainPhaseWeights.Uniform(Subtract(g, WeightedMean(g, pi)));
            case BaselineKind.PlainMean:
            {
                var mean = 0.0;
                foreach (var v in g) mean += v;
                return ChainPhaseWeights.Uniform(Subtract(g, mean / g.Length));
            }
            case BaselineKind.Optimal:
            {
                var norms = ScoreNorms(parameters, s, decoderMeans);
                var total = new double[g.Length];
                for (var z = 0; z < total.Length; z++) total[z] = norms.W[z] + norms.B[z] + norms.L[z];
                return ChainPhaseWeights.Uniform(Subtract(g, WeightedMean(g, total)));
            }
            case BaselineKind.OptimalPerBlock:
            {
                var norms = ScoreNorms(parameters, s, decoderMeans);
                return new ChainPhaseWeights(Subtract(g, WeightedMean(g, norms.W)), Subtract(g, WeightedMean(g, norms.B)),
                    Subtract(g, WeightedMean(g, norms.L)));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(baseline), baseline, "unknown baseline");
        }
    }

    /// <summary>
    /// For each state z', the sum over the round's transitions into z' of the squared norm of each block's score
    /// (MODEL.md §3, "Baselines"). L: Σ_i (x_i − μ_{i z_{t-1}})², exact from Sx and C because x_i² = x_i. b and W:
    /// ‖e_{z'} − p(·|x_t)‖² and |x_t| ‖e_{z'} − p(·|x_t)‖² with p(·|x_t) replaced by its mean over those transitions
    /// (weighted by |x_t| for W), because the statistics hold sums of p, not of its square.
    /// </summary>
    /// <param name="decoderMeans">σ(L) in L's layout (<see cref="DecoderMeans"/>) when the caller has it already; computed here when null.</param>
    public static ChainPhaseWeights ScoreNorms(ModelParameters parameters, ChainStatistics s, double[]? decoderMeans = null)
    {
        int k = parameters.K, n = parameters.N;
        var mus = decoderMeans ?? DecoderMeans(parameters);
        var normW = new double[k];
        var normB = new double[k];
        var normL = new double[k];
        // 1 − 2μ in rows of z (linear[z·N + i]), so each (z, z') sum reads two contiguous rows.
        var linear = GC.AllocateUninitializedArray<double>(k * n);
        var constant = new double[k];
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
            {
                var mu = mus[i * k + z];
                linear[z * n + i] = 1 - 2 * mu;
                constant[z] += mu * mu;
            }
        var meanP = new double[k];
        Span<double> sums = stackalloc double[k];
        for (var zNext = 0; zNext < k; zNext++)
        {
            long count = 0;
            for (var z = 0; z < k; z++)
            {
                var c = s.C[z * k + zNext];
                count += c;
                sums[z] = c * constant[z];
            }
            // Σ_i Sx[z,z'][i](1 − 2μ_iz) for four z at once: four independent sums, each over i in order as one sum alone
            // would be (the bits are the same), so the additions overlap instead of waiting on each other.
            var active = 0L;
            var z0 = 0;
            for (; z0 + 4 <= k; z0 += 4)
                active += SumFour(s.Sx, linear, k, n, zNext, z0, sums);
            if (z0 + 2 <= k)
            {
                active += SumTwo(s.Sx, linear, k, n, zNext, z0, sums);
                z0 += 2;
            }
            for (; z0 < k; z0++)
            {
                var sx = s.Sx.AsSpan((z0 * k + zNext) * n, n);
                var row = linear.AsSpan(z0 * n, n);
                var sum = sums[z0];
                for (var i = 0; i < n; i++)
                {
                    active += sx[i];
                    sum += sx[i] * row[i];
                }
                sums[z0] = sum;
            }
            for (var z = 0; z < k; z++) normL[zNext] += sums[z];
            if (count == 0) continue;
            for (var kk = 0; kk < k; kk++) meanP[kk] = s.GP[zNext * k + kk] * ChainStatistics.ProbabilityUnit / count;
            normB[zNext] = count * SquaredDistanceFromCorner(meanP, zNext);
            if (active == 0) continue;
            ColumnSums(s.G.AsSpan(zNext * n * k, n * k), k, meanP);
            for (var kk = 0; kk < k; kk++) meanP[kk] *= ChainStatistics.ProbabilityUnit / active;
            normW[zNext] = active * SquaredDistanceFromCorner(meanP, zNext);
        }
        return new ChainPhaseWeights(normW, normB, normL);
    }

    /// <summary>
    /// <see cref="SumFour"/> for z = z0, z0+1: the two sums left over when K is not a multiple of four (K = 10 has two),
    /// interleaved rather than one after the other, each still over i in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long SumTwo(long[] sx, double[] linear, int k, int n, int zNext, int z0, Span<double> sums)
    {
        var x0 = sx.AsSpan((z0 * k + zNext) * n, n);
        var x1 = sx.AsSpan(((z0 + 1) * k + zNext) * n, n);
        var l0 = linear.AsSpan(z0 * n, n);
        var l1 = linear.AsSpan((z0 + 1) * n, n);
        double s0 = sums[z0], s1 = sums[z0 + 1];
        long active = 0;
        for (var i = 0; i < n; i++)
        {
            long a = x0[i], b = x1[i];
            active += a + b;
            s0 += a * l0[i];
            s1 += b * l1[i];
        }
        sums[z0] = s0;
        sums[z0 + 1] = s1;
        return active;
    }

    /// <summary>
    /// columns[c] = Σ_r block[r·width + c] as a double, with the bits of adding the entries one by one, in r order, into a
    /// double. G's entries are non-negative integers: while their total is below 2⁵³, every partial sum of the double loop
    /// is an integer that a double holds exactly, so the total summed as integers, four columns to a vector, is the same
    /// number. A block with a negative entry, or whose integer sums could overflow or pass 2⁵³, takes the double loop itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnSums(ReadOnlySpan<long> block, int width, Span<double> columns)
    {
        const long exactLimit = 1L << 53;
        var rows = block.Length / width;
        Span<long> totals = stackalloc long[ShortVectors.PaddedLength(width)];
        totals.Clear();
        // The OR of every entry: not negative and at most long.MaxValue / rows means no entry is negative and no sum overflows.
        var orAll = 0L;
        var orVector = Vector256<long>.Zero;
        ref var first = ref MemoryMarshal.GetReference(block);
        ref var total = ref MemoryMarshal.GetReference(totals);
        for (var r = 0; r < rows; r++)
        {
            ref var row = ref Unsafe.Add(ref first, r * width);
            var c = 0;
            for (; c + 4 <= width; c += 4)
            {
                var values = Vector256.LoadUnsafe(ref row, (nuint)c);
                (Vector256.LoadUnsafe(ref total, (nuint)c) + values).StoreUnsafe(ref total, (nuint)c);
                orVector |= values;
            }
            for (; c < width; c++)
            {
                var value = Unsafe.Add(ref row, c);
                Unsafe.Add(ref total, c) += value;
                orAll |= value;
            }
        }
        orAll |= orVector[0] | orVector[1] | orVector[2] | orVector[3];
        var exact = orAll >= 0 && orAll <= long.MaxValue / Math.Max(rows, 1);
        for (var c = 0; c < width && exact; c++) exact = totals[c] < exactLimit;
        if (exact)
        {
            for (var c = 0; c < width; c++) columns[c] = totals[c];
            return;
        }
        columns[..width].Clear();
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < width; c++) columns[c] += block[r * width + c];
    }

    /// <summary>
    /// sums[z] += Σ_i Sx[z,z'][i]·linear[z·N + i] for z = z0 … z0+3, each over i in order; returns Σ of those Sx rows.
    /// Fully optimized from the first call, as <see cref="ScaledCounts"/> is, for the same reason.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long SumFour(long[] sx, double[] linear, int k, int n, int zNext, int z0, Span<double> sums)
    {
        var x0 = sx.AsSpan((z0 * k + zNext) * n, n);
        var x1 = sx.AsSpan(((z0 + 1) * k + zNext) * n, n);
        var x2 = sx.AsSpan(((z0 + 2) * k + zNext) * n, n);
        var x3 = sx.AsSpan(((z0 + 3) * k + zNext) * n, n);
        var l0 = linear.AsSpan(z0 * n, n);
        var l1 = linear.AsSpan((z0 + 1) * n, n);
        var l2 = linear.AsSpan((z0 + 2) * n, n);
        var l3 = linear.AsSpan((z0 + 3) * n, n);
        double s0 = sums[z0], s1 = sums[z0 + 1], s2 = sums[z0 + 2], s3 = sums[z0 + 3];
        long active = 0;
        for (var i = 0; i < n; i++)
        {
            long a = x0[i], b = x1[i], c = x2[i], d = x3[i];
            active += a + b + c + d;
            s0 += a * l0[i];
            s1 += b * l1[i];
            s2 += c * l2[i];
            s3 += d * l3[i];
        }
        sums[z0] = s0;
        sums[z0 + 1] = s1;
        sums[z0 + 2] = s2;
        sums[z0 + 3] = s3;
        return active;
    }

    /// <summary>‖e_corner − p‖².</summary>
    private static double SquaredDistanceFromCorner(ReadOnlySpan<double> p, int corner)
    {
        var sum = 0.0;
        for (var j = 0; j < p.Length; j++)
        {
            var d = (j == corner ? 1.0 : 0.0) - p[j];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Σ w g / Σ w; 0 when no weight (then no transition carries the baseline either).</summary>
    private static double WeightedMean(ReadOnlySpan<double> g, ReadOnlySpan<double> weights)
    {
        double sum = 0, total = 0;
        for (var z = 0; z < g.Length; z++)
        {
            sum += weights[z] * g[z];
            total += weights[z];
        }
        return total > 0 ? sum / total : 0;
    }

    private static double[] Subtract(ReadOnlySpan<double> g, double c)
    {
        var result = new double[g.Length];
        for (var z = 0; z < g.Length; z++) result[z] = g[z] - c;
        return result;
    }

    /// <summary>
    /// Adds the chain phase E_stat[(∂log q(x_t|z_{t-1}) + ∂log p(z_t|x_t)) g(z_t)] to the gradient, from the merged
    /// statistics (MODEL.md §3), each block with its own weights: ∂L_·z += Σ_z' g_L(z')(Sx[z,z'] − C[z,z'] μ_·z)/T,
    /// ∂W_k· += (g_W(k) Σ_z Sx[z,k] − Σ_z' g_W(z') G[z'][·,k])/T, ∂b_k += (g_b(k) Σ_z C[z,k] − Σ_z' g_b(z') GP[z',k])/T.
    /// </summary>
    /// <param name="decoderMeans">σ(L) in L's layout (<see cref="DecoderMeans"/>) when the caller has it already; computed here when null.</param>
    public static void AddChainPhase(ModelParameters parameters, ChainStatistics s, ChainPhaseWeights g,
        Span<double> gradW, Span<double> gradB, Span<double> gradL, double[]? decoderMeans = null)
    {
        int k = parameters.K, n = parameters.N;
        if (s.Transitions == 0) return;
        var mu = decoderMeans ?? DecoderMeans(parameters);
        var invT = 1.0 / s.Transitions;
        // ∂L in rows of z (lRows[z·N + i] = ∂L_iz) while Sx is added, so every loop over pixels reads and writes
        // contiguous memory; each element still gets the same terms in the same order, so the bits do not change.
        var lRows = GC.AllocateUninitializedArray<double>(k * n);
        ScaledCounts.Transpose(gradL, n, k, lRows);
        for (var z = 0; z < k; z++)
        {
            // Σ_z' g(z') C[z,z'] μ_iz is μ_iz times one number per z: gather it, then subtract once per pixel.
            var weightedCount = 0.0;
            var lRow = lRows.AsSpan(z * n, n);
            for (var zNext = 0; zNext < k; zNext++)
            {
                var weightL = g.L[zNext] * invT;
                var count = s.C[z * k + zNext];
                weightedCount += weightL * count;
                ScaledCounts.AddTo(lRow, weightL, gradW.Slice(zNext * n, n), g.W[zNext] * invT, s.Sx.AsSpan((z * k + zNext) * n, n));
                gradB[zNext] += g.B[zNext] * invT * count;
            }
            for (var i = 0; i < n; i++)
                lRow[i] -= weightedCount * mu[i * k + z];
        }
        ScaledCounts.Transpose(lRows, k, n, gradL);
        // ∂W in G's pixel-major layout (wColumns[i·K + k] = ∂W_ki) while G is subtracted: one contiguous pass per z'.
        var wColumns = lRows;
        ScaledCounts.Transpose(gradW, k, n, wColumns);
        for (var zNext = 0; zNext < k; zNext++)
        {
            var fixedWeightB = g.B[zNext] * invT * ChainStatistics.ProbabilityUnit;
            ScaledCounts.SubtractFrom(wColumns, g.W[zNext] * invT * ChainStatistics.ProbabilityUnit, s.G.AsSpan(zNext * n * k, n * k));
            for (var kk = 0; kk < k; kk++) gradB[kk] -= fixedWeightB * s.GP[zNext * k + kk];
        }
        ScaledCounts.Transpose(wColumns, n, k, gradW);
    }

    /// <summary>
    /// The RBM's persistent-contrastive-divergence gradient (MODEL.md §6) for the tied parameters L and c (= b):
    /// ∂L_iz = E_D[p(z|x) x_i] − E_chains[p(z|x_t) x_{t,i}], ∂c_z = E_D[p(z|x)] − E_chains[p(z|x_t)],
    /// with the chain term Rao-Blackwellized from G and GP. One vector in the parameters' layout; W's block is zero,
    /// since W follows L by tying.
    /// </summary>
    public static double[] RbmGradient(ModelParameters tied, BinaryImages batch, ChainStatistics s)
    {
        int k = tied.K, n = tied.N;
        var layout = tied.Layout;
        var gradient = new double[layout.Length];
        var gradL = layout.L(gradient.AsSpan());
        var gradB = layout.B(gradient.AsSpan());
        ReadOnlySpan<double> w = tied.W;
        Span<double> logits = stackalloc double[k];
        Span<double> p = stackalloc double[k];
        var invB = 1.0 / batch.Count;
        for (var j = 0; j < batch.Count; j++)
        {
            var image = batch.Image(j);
            tied.B.CopyTo(logits);
            for (var i = 0; i < n; i++)
            {
                if (image[i] == 0) continue;
                for (var z = 0; z < k; z++) logits[z] += w[z * n + i];
            }
            Logistic.Softmax(logits, p);
            for (var z = 0; z < k; z++) gradB[z] += p[z] * invB;
            for (var i = 0; i < n; i++)
            {
                if (image[i] == 0) continue;
                for (var z = 0; z < k; z++) gradL[i * k + z] += p[z] * invB;
            }
        }
        if (s.Transitions > 0)
        {
            var unitPerT = ChainStatistics.ProbabilityUnit / s.Transitions;
            for (var zNext = 0; zNext < k; zNext++)
            {
                var gBlock = s.G.AsSpan(zNext * n * k, n * k);
                for (var j = 0; j < n * k; j++) gradL[j] -= gBlock[j] * unitPerT;
                for (var z = 0; z < k; z++) gradB[z] -= s.GP[zNext * k + z] * unitPerT;
            }
        }
        return gradient;
    }
}
