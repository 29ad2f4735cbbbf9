namespace LatentCycles.Core.Observables;

/// <summary>
/// A cycle of latent states z₁ → z₂ → … → z₁ with its affinity A = ln Π M(forward) / Π M(backward)
/// (MODEL.md §4). <see cref="Nodes"/> is listed in the orientation where A ≥ 0. A null affinity means
/// A = +∞: the cycle can be run only this way round, because a backward transition has probability 0.
/// </summary>
public sealed record CycleAffinity(int[] Nodes, double? Affinity);

/// <summary>
/// One fundamental cycle of the spanning-tree (Schnakenberg) decomposition (MODEL.md §4): the chord
/// <see cref="ChordFrom"/> → <see cref="ChordTo"/> followed by the tree path back. <see cref="Nodes"/>
/// starts with the chord's two ends; the orientation makes <see cref="ChordCurrent"/> = J(chord) ≥ 0.
/// <see cref="Affinity"/> is the cycle affinity in that orientation, null when a transition on the cycle
/// has no reverse.
/// </summary>
public sealed record FundamentalCycle(int[] Nodes, int ChordFrom, int ChordTo, double ChordCurrent, double? Affinity);

/// <summary>
/// The nonequilibrium observables of a latent kernel M with stationary distribution π (MODEL.md §4),
/// written with the probability fluxes F(z,z') = π(z)M(z,z'):
/// <list type="bullet">
/// <item>entropy production σ = Σ_{z,z'} F(z,z') ln[F(z,z')/F(z',z)] in nats per latent step;</item>
/// <item>currents J(z,z') = F(z,z') − F(z',z) (K×K row-major, antisymmetric);</item>
/// <item>self-transitions M(z,z) and their π-weighted mean;</item>
/// <item>the strongest 3-cycles by |affinity|, and the fundamental cycles of the maximum spanning tree
/// of the traffic F(z,z') + F(z',z).</item>
/// </list>
/// σ is null (undefined, +∞) when some transition has probability &gt; 0 and its reverse 0; pairs with
/// no flux either way contribute nothing.
/// </summary>
public sealed record NonequilibriumObservables(
    int K,
    double[] StationaryDistribution,
    double? EntropyProduction,
    string? EntropyProductionUndefinedReason,
    double[] Currents,
    double MaxAbsCurrent,
    double TotalAbsCurrent,
    double[] SelfTransitions,
    double MeanSelfTransition,
    IReadOnlyList<CycleAffinity> StrongestTriangles,
    IReadOnlyList<FundamentalCycle> FundamentalCycles)
{
    public const int DefaultTriangleCount = 5;

    /// <summary>
    /// Schnakenberg's cycle form of the entropy production, Σ_chords J(chord)·A(cycle of chord). It equals
    /// <see cref="EntropyProduction"/> whenever π is stationary (the currents then obey Kirchhoff's law, so
    /// the chord currents determine every edge current). Null when σ is undefined.
    /// </summary>
    public double? CycleEntropyProduction
    {
        get
        {
            if (EntropyProduction is null) return null;
            var sum = 0.0;
            foreach (var cycle in FundamentalCycles)
            {
                if (cycle.Affinity is not { } a) return null;
                sum += cycle.ChordCurrent * a;
            }
            return sum;
        }
    }

    /// <summary>The observables of M with its stationary distribution from <see cref="Observables.StationaryDistribution.Solve(LatentKernel)"/>.</summary>
    public static NonequilibriumObservables Compute(LatentKernel kernel, int triangleCount = DefaultTriangleCount) =>
        Compute(kernel, Observables.StationaryDistribution.Solve(kernel), triangleCount);

    /// <summary>
    /// The plug-in estimator from raw transition counts C (K×K row-major, MODEL.md §3 and §4): M̂ = rownormalize(C),
    /// π̂ its stationary distribution, then the same formulas. Biased when counts are few.
    /// </summary>
    public static NonequilibriumObservables FromCounts(ReadOnlySpan<double> counts, int k, int triangleCount = DefaultTriangleCount) =>
        Compute(LatentKernel.FromRowWeights(counts, k), triangleCount);

    /// <param name="kernel">M, K×K.</param>
    /// <param name="pi">π, K entries summing to 1.</param>
    /// <param name="triangleCount">How many of the strongest 3-cycles to report.</param>
    public static NonequilibriumObservables Compute(LatentKernel kernel, double[] pi, int triangleCount = DefaultTriangleCount)
    {
        if (triangleCount < 0) throw new ArgumentOutOfRangeException(nameof(triangleCount), "the number of 3-cycles to report must be non-negative");
        var fluxes = FluxObservables.Compute(kernel, pi);
        return new NonequilibriumObservables(kernel.K, (double[])pi.Clone(), fluxes.EntropyProduction, fluxes.EntropyProductionUndefinedReason,
            fluxes.Currents, fluxes.MaxAbsCurrent, fluxes.TotalAbsCurrent, fluxes.SelfTransitions, fluxes.MeanSelfTransition,
            RankTriangles(kernel, triangleCount), CycleDecomposition.FundamentalCycles(kernel, fluxes.Flux, fluxes.Currents));
    }

    /// <summary>All 3-cycles z₁ &lt; z₂ &lt; z₃ that can be run at least one way round, strongest |A| first (infinite first).</summary>
    private static List<CycleAffinity> RankTriangles(LatentKernel kernel, int count)
    {
        var k = kernel.K;
        var all = new List<CycleAffinity>();
        for (var a = 0; a < k; a++)
            for (var b = a + 1; b < k; b++)
                for (var c = b + 1; c < k; c++)
                {
                    var affinity = CycleDecomposition.Affinity(kernel, [a, b, c]);
                    if (affinity.IsAbsent) continue;
                    all.Add(affinity.Value is { } v
                        ? new CycleAffinity(v >= 0 ? [a, b, c] : [a, c, b], Math.Abs(v))
                        : new CycleAffinity(affinity.ForwardOnly ? [a, b, c] : [a, c, b], null));
                }
        return all.OrderByDescending(t => t.Affinity ?? double.PositiveInfinity).Take(count).ToList();
    }
}

/// <summary>
/// The observables of <see cref="NonequilibriumObservables"/> that need only the fluxes F(z,z') = π(z)M(z,z'), not the
/// cycles: σ, the currents and the self-transitions. A round's metrics row needs only these, so the round computes them
/// alone (the triangles and the spanning-tree cycles took most of the time); the numbers are the same either way.
/// </summary>
public sealed record FluxObservables(
    double[] Flux,
    double[] Currents,
    double? EntropyProduction,
    string? EntropyProductionUndefinedReason,
    double MaxAbsCurrent,
    double TotalAbsCurrent,
    double[] SelfTransitions,
    double MeanSelfTransition)
{
    /// <param name="kernel">M, K×K.</param>
    /// <param name="pi">π, K entries summing to 1.</param>
    public static FluxObservables Compute(LatentKernel kernel, double[] pi)
    {
        var k = kernel.K;
        if (pi.Length != k) throw new ArgumentException($"π has {pi.Length} entries, the kernel has K = {k}");
        foreach (var p in pi)
            if (!double.IsFinite(p) || p < 0) throw new ArgumentException($"π entry {p} is not a finite non-negative number");

        var flux = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var j = 0; j < k; j++)
                flux[z * k + j] = pi[z] * kernel.Values[z * k + j];

        var currents = new double[k * k];
        double maxAbs = 0, totalAbs = 0, sigma = 0;
        string? undefinedReason = null;
        for (var z = 0; z < k; z++)
            for (var j = z + 1; j < k; j++)
            {
                double forward = flux[z * k + j], backward = flux[j * k + z];
                var current = forward - backward;
                currents[z * k + j] = current;
                currents[j * k + z] = -current;
                maxAbs = Math.Max(maxAbs, Math.Abs(current));
                totalAbs += Math.Abs(current);
                if (forward > 0 && backward > 0) sigma += current * Math.Log(forward / backward);
                else if (forward > 0 || backward > 0)
                    undefinedReason ??= $"undefined: the transition {(forward > 0 ? $"{z}→{j}" : $"{j}→{z}")} has no reverse";
            }

        var self = new double[k];
        var meanSelf = 0.0;
        for (var z = 0; z < k; z++)
        {
            self[z] = kernel[z, z];
            meanSelf += pi[z] * self[z];
        }
        return new FluxObservables(flux, currents, undefinedReason is null ? sigma : null, undefinedReason, maxAbs, totalAbs, self, meanSelf);
    }
}
