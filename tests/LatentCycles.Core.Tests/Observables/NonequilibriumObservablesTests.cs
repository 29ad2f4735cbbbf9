using LatentCycles.Core.Observables;

namespace LatentCycles.Core.Tests.Observables;

public class NonequilibriumObservablesTests
{
    [Fact]
    public void Detailed_balance_chain_has_no_entropy_production_and_no_currents()
    {
        var obs = NonequilibriumObservables.Compute(KernelFixtures.Reversible(5, seed: 7));
        Assert.Equal(0.0, obs.EntropyProduction!.Value, 13);
        Assert.True(obs.MaxAbsCurrent < 1e-14);
        Assert.All(obs.StrongestTriangles, t => Assert.Equal(0.0, t.Affinity!.Value, 12));
        Assert.All(obs.FundamentalCycles, c => Assert.Equal(0.0, c.Affinity!.Value, 12));
    }

    [Fact]
    public void Three_state_ring_has_the_closed_form_entropy_production()
    {
        const double p = 0.5, q = 0.1;
        var obs = NonequilibriumObservables.Compute(KernelFixtures.Ring(p, q));

        Assert.All(obs.StationaryDistribution, x => Assert.Equal(1.0 / 3, x, 14));
        Assert.Equal((p - q) * Math.Log(p / q), obs.EntropyProduction!.Value, 13);
        Assert.Equal((p - q) / 3, obs.Currents[0 * 3 + 1], 14);
        Assert.Equal(-(p - q) / 3, obs.Currents[1 * 3 + 0], 14);
        Assert.Equal((p - q) / 3, obs.MaxAbsCurrent, 14);
        Assert.Equal(p - q, obs.TotalAbsCurrent, 14);
        Assert.Equal(1 - p - q, obs.MeanSelfTransition, 14);

        var triangle = Assert.Single(obs.StrongestTriangles);
        Assert.Equal([0, 1, 2], triangle.Nodes);
        Assert.Equal(3 * Math.Log(p / q), triangle.Affinity!.Value, 13);

        var cycle = Assert.Single(obs.FundamentalCycles);
        Assert.Equal(3 * Math.Log(p / q), cycle.Affinity!.Value, 13);
        Assert.Equal((p - q) / 3, cycle.ChordCurrent, 14);
    }

    [Fact]
    public void Reversed_ring_reports_the_triangle_in_its_dominant_orientation()
    {
        var obs = NonequilibriumObservables.Compute(KernelFixtures.Ring(0.1, 0.5));
        var triangle = Assert.Single(obs.StrongestTriangles);
        Assert.Equal([0, 2, 1], triangle.Nodes);
        Assert.True(triangle.Affinity > 0);
    }

    [Fact]
    public void Transition_without_reverse_makes_entropy_production_undefined_not_infinite()
    {
        var obs = NonequilibriumObservables.Compute(KernelFixtures.Ring(0.4, 0.0));

        Assert.Null(obs.EntropyProduction);
        Assert.Null(obs.CycleEntropyProduction);
        Assert.Contains("no reverse", obs.EntropyProductionUndefinedReason);
        var triangle = Assert.Single(obs.StrongestTriangles);
        Assert.Null(triangle.Affinity);
        Assert.Equal([0, 1, 2], triangle.Nodes);
        Assert.All(obs.Currents, j => Assert.True(double.IsFinite(j)));
        Assert.True(double.IsFinite(obs.MaxAbsCurrent) && double.IsFinite(obs.TotalAbsCurrent));
    }

    [Fact]
    public void Pairs_with_no_flux_either_way_contribute_nothing()
    {
        // A path 0–1–2: the pair {0, 2} has no flux either way, which must not make σ undefined.
        var kernel = new LatentKernel(3, [0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0.5]);
        var obs = NonequilibriumObservables.Compute(kernel);
        Assert.Equal(0.0, obs.EntropyProduction!.Value, 14);
        Assert.Empty(obs.StrongestTriangles);
        Assert.Empty(obs.FundamentalCycles);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Schnakenberg_cycle_sum_equals_entropy_production_on_a_random_five_state_kernel(bool sparse)
    {
        const int k = 5;
        var obs = NonequilibriumObservables.Compute(KernelFixtures.Random(k, seed: 21, sparse));

        Assert.True(obs.EntropyProduction > 0.01);
        Assert.Equal(obs.EntropyProduction!.Value, obs.CycleEntropyProduction!.Value, 12);
        var edges = 0;
        for (var a = 0; a < k; a++)
            for (var b = a + 1; b < k; b++)
                if (obs.Currents[a * k + b] != 0) edges++;
        Assert.Equal(edges - (k - 1), obs.FundamentalCycles.Count);
        Assert.All(obs.FundamentalCycles, c => Assert.True(c.ChordCurrent >= 0));
    }

    [Fact]
    public void Strongest_triangles_are_sorted_by_affinity_and_limited()
    {
        var obs = NonequilibriumObservables.Compute(KernelFixtures.Random(6, seed: 5), triangleCount: 4);
        Assert.Equal(4, obs.StrongestTriangles.Count);
        var affinities = obs.StrongestTriangles.Select(t => t.Affinity!.Value).ToArray();
        Assert.Equal(affinities.OrderByDescending(a => a), affinities);
        Assert.All(affinities, a => Assert.True(a >= 0));
    }

    [Fact]
    public void Plug_in_estimate_from_counts_matches_the_kernel_the_counts_are_proportional_to()
    {
        const int k = 4;
        var kernel = KernelFixtures.Random(k, seed: 9);
        var pi = StationaryDistribution.Solve(kernel);
        var counts = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var j = 0; j < k; j++)
                counts[z * k + j] = 1e6 * pi[z] * kernel[z, j];

        var fromCounts = NonequilibriumObservables.FromCounts(counts, k);
        var exact = NonequilibriumObservables.Compute(kernel, pi);
        Assert.Equal(exact.EntropyProduction!.Value, fromCounts.EntropyProduction!.Value, 12);
        Assert.Equal(exact.MaxAbsCurrent, fromCounts.MaxAbsCurrent, 12);
    }
}
