namespace LatentCycles.Core.Observables;

/// <summary>
/// Cycle affinities and the spanning-tree (Schnakenberg) cycle decomposition of a latent kernel's
/// current graph (MODEL.md §4).
/// </summary>
internal static class CycleDecomposition
{
    /// <summary>
    /// The affinity of a cycle: finite (<see cref="Value"/>), infinite one way round (<see cref="Value"/> null,
    /// <see cref="ForwardOnly"/> says which way), or absent when neither way round has positive probability.
    /// </summary>
    internal readonly record struct CycleLogRatio(double? Value, bool ForwardOnly, bool IsAbsent);

    /// <summary>A = Σ_edges [ln M(u,v) − ln M(v,u)] around nodes[0] → nodes[1] → … → nodes[0].</summary>
    internal static CycleLogRatio Affinity(LatentKernel kernel, ReadOnlySpan<int> nodes)
    {
        bool forwardZero = false, backwardZero = false;
        var logRatio = 0.0;
        for (var e = 0; e < nodes.Length; e++)
        {
            int u = nodes[e], v = nodes[(e + 1) % nodes.Length];
            double forward = kernel[u, v], backward = kernel[v, u];
            forwardZero |= forward == 0;
            backwardZero |= backward == 0;
            if (forward > 0 && backward > 0) logRatio += Math.Log(forward) - Math.Log(backward);
        }
        if (forwardZero && backwardZero) return new CycleLogRatio(null, false, true);
        if (forwardZero || backwardZero) return new CycleLogRatio(null, backwardZero, false);
        return new CycleLogRatio(logRatio, false, false);
    }

    /// <summary>
    /// Builds a maximum spanning tree (a forest when the graph is disconnected) of the undirected graph whose
    /// edge {z, z'} has weight F(z,z') + F(z',z) &gt; 0 (Kruskal, ties broken by edge order), and returns the
    /// fundamental cycle of each chord. <paramref name="flux"/> and <paramref name="currents"/> are K×K.
    /// </summary>
    internal static List<FundamentalCycle> FundamentalCycles(LatentKernel kernel, double[] flux, double[] currents)
    {
        var k = kernel.K;
        var edges = new List<(int A, int B, double Traffic)>();
        for (var a = 0; a < k; a++)
            for (var b = a + 1; b < k; b++)
            {
                var traffic = flux[a * k + b] + flux[b * k + a];
                if (traffic > 0) edges.Add((a, b, traffic));
            }

        var component = Enumerable.Range(0, k).ToArray();
        var tree = new List<int>[k];
        for (var z = 0; z < k; z++) tree[z] = [];
        var chords = new List<(int A, int B)>();
        foreach (var (a, b, _) in edges.OrderByDescending(e => e.Traffic))
        {
            int ra = Root(component, a), rb = Root(component, b);
            if (ra == rb)
            {
                chords.Add((a, b));
                continue;
            }
            component[ra] = rb;
            tree[a].Add(b);
            tree[b].Add(a);
        }

        var cycles = new List<FundamentalCycle>(chords.Count);
        foreach (var (a, b) in chords)
        {
            var current = currents[a * k + b];
            var (from, to) = current >= 0 ? (a, b) : (b, a);
            var nodes = new List<int> { from };
            nodes.AddRange(TreePath(tree, to, from));
            nodes.RemoveAt(nodes.Count - 1);
            var affinity = Affinity(kernel, nodes.ToArray());
            cycles.Add(new FundamentalCycle(nodes.ToArray(), from, to, Math.Abs(current), affinity.Value));
        }
        return cycles;
    }

    private static int Root(int[] component, int z)
    {
        while (component[z] != z)
        {
            component[z] = component[component[z]];
            z = component[z];
        }
        return z;
    }

    /// <summary>The nodes of the unique tree path from <paramref name="start"/> to <paramref name="end"/>, both included.</summary>
    private static List<int> TreePath(List<int>[] tree, int start, int end)
    {
        var parent = new int[tree.Length];
        Array.Fill(parent, -1);
        parent[start] = start;
        var queue = new Queue<int>();
        queue.Enqueue(start);
        while (queue.Count > 0 && parent[end] < 0)
        {
            var u = queue.Dequeue();
            foreach (var v in tree[u])
                if (parent[v] < 0)
                {
                    parent[v] = u;
                    queue.Enqueue(v);
                }
        }
        var path = new List<int>();
        for (var z = end; z != start; z = parent[z]) path.Add(z);
        path.Add(start);
        path.Reverse();
        return path;
    }
}
