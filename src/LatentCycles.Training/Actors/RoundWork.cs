using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>A node that can take blocks, and how many chain workers it runs.</summary>
internal sealed record NodeShare<TNode>(TNode Node, int Threads);

/// <summary>
/// The blocks of one round and who runs them (docs/ARCHITECTURE.md, "Node loss", "Node join"), free of actors so it can be
/// tested on its own. Blocks are handed out from the round-start states; a reply is accepted when none of its blocks
/// has been counted yet, whoever sent it, because every block's result is the same bits wherever it runs (random
/// streams keyed by chain and round, integer statistics). A lost node's missing blocks go back to the pool for the next
/// <see cref="Assign"/>; a reply overlapping blocks counted meanwhile is dropped and its other blocks go back too.
/// </summary>
internal sealed class RoundWork<TNode> where TNode : notnull
{
    private readonly TrainingState _start;
    private readonly SortedSet<int> _unassigned;
    private readonly Dictionary<TNode, int[]> _outstanding = new();
    private readonly bool[] _counted;
    private readonly HashSet<TNode> _contributors = new();
    private int _uncounted;
    private ChainStatistics? _spareTotal;
    private ChainStatistics? _total;

    /// <param name="spareTotal">A statistics buffer no longer in use, to sum into instead of a new one (cleared when first needed).</param>
    public RoundWork(TrainingState start, ChainStatistics? spareTotal = null)
    {
        _start = start;
        var blocks = start.Config.BlockCount;
        _unassigned = new SortedSet<int>(Enumerable.Range(0, blocks));
        _counted = new bool[blocks];
        _uncounted = blocks;
        _spareTotal = spareTotal;
        EndStates = new byte[start.ChainStates.Length];
    }

    /// <summary>The state the round starts from.</summary>
    public TrainingState Start => _start;

    /// <summary>Rounds completed before this one.</summary>
    public int Round => _start.Round;

    /// <summary>The sum of the accepted replies' statistics.</summary>
    public ChainStatistics Total => _total ??= EmptyTotal();

    /// <summary>Every counted block's chains' states at the end of the round: all chains once <see cref="IsComplete"/>.</summary>
    public byte[] EndStates { get; }

    public bool IsComplete => _uncounted == 0;

    /// <summary>The node whose reply's statistics became <see cref="Total"/> as they were (see <see cref="Accept"/>), if any.</summary>
    public TNode? TotalFrom { get; private set; }

    /// <summary>How many different nodes sent accepted replies.</summary>
    public int Contributors => _contributors.Count;

    /// <summary>The nodes that hold blocks of this round and have not answered.</summary>
    public IReadOnlyCollection<TNode> Outstanding => _outstanding.Keys;

    /// <summary>
    /// Splits the unassigned blocks over the nodes in <paramref name="nodes"/> that hold none of this round, in
    /// proportion to their threads (largest remainder) and in contiguous runs of block ids; returns what to send.
    /// </summary>
    public IReadOnlyList<(TNode Node, BlockStates[] Blocks)> Assign(IReadOnlyList<NodeShare<TNode>> nodes)
    {
        var idle = nodes.Where(n => n.Threads > 0 && !_outstanding.ContainsKey(n.Node)).ToList();
        if (idle.Count == 0 || _unassigned.Count == 0) return [];
        var blocks = _unassigned.ToArray();
        _unassigned.Clear();
        var counts = Shares(blocks.Length, idle.Select(n => n.Threads).ToArray());
        var assignments = new List<(TNode, BlockStates[])>();
        var next = 0;
        for (var j = 0; j < idle.Count; j++)
        {
            if (counts[j] == 0) continue;
            var ids = blocks[next..(next + counts[j])];
            next += counts[j];
            _outstanding[idle[j].Node] = ids;
            assignments.Add((idle[j].Node, ids.Select(StartStates).ToArray()));
        }
        return assignments;
    }

    /// <summary>Takes a node's reply into the round; false when it was dropped (another round, or blocks already counted).</summary>
    public bool Accept(TNode node, NodeStatistics reply)
    {
        if (reply.Round != Round) return false;
        var ids = reply.Blocks.Select(b => b.BlockId).ToArray();
        var answersAssignment = _outstanding.TryGetValue(node, out var assigned) && assigned.SequenceEqual(ids);
        if (answersAssignment) _outstanding.Remove(node);
        if (ids.Any(id => id < 0 || id >= _counted.Length || _counted[id]) || ids.Distinct().Count() != ids.Length)
        {
            if (answersAssignment) ReturnUncounted(ids);
            return false;
        }
        foreach (var block in reply.Blocks)
        {
            var (first, count) = _start.Config.Block(block.BlockId);
            if (block.States.Length != count)
                throw new InvalidOperationException($"block {block.BlockId} came back with {block.States.Length} states for {count} chains");
        }
        foreach (var block in reply.Blocks)
        {
            block.States.CopyTo(EndStates, _start.Config.Block(block.BlockId).FirstChain);
            _counted[block.BlockId] = true;
            _unassigned.Remove(block.BlockId);
        }
        _uncounted -= ids.Length;
        // Statistics that belong to the reply alone (handed over by a local node, decoded from a remote one's bytes) become the total as they are when
        // they are the first: one node's reply then costs no addition; sums of integers do not depend on the order.
        if (_total is null && reply.OwnsStatistics)
        {
            _total = reply.Statistics;
            TotalFrom = node;
        }
        else Total.Add(reply.Statistics);
        _contributors.Add(node);
        return true;
    }

    /// <summary>A node is gone: its blocks not yet counted go back to the pool.</summary>
    public void Lose(TNode node)
    {
        if (_outstanding.Remove(node, out var ids)) ReturnUncounted(ids);
    }

    private void ReturnUncounted(IEnumerable<int> ids)
    {
        foreach (var id in ids)
            if (id >= 0 && id < _counted.Length && !_counted[id]) _unassigned.Add(id);
    }

    private ChainStatistics EmptyTotal()
    {
        int k = _start.Parameters.K, n = _start.Parameters.N;
        var spare = _spareTotal;
        _spareTotal = null;
        if (spare is null || spare.K != k || spare.N != n) return new ChainStatistics(k, n);
        spare.Clear();
        return spare;
    }

    private BlockStates StartStates(int block)
    {
        var (first, count) = _start.Config.Block(block);
        return new BlockStates(block, _start.ChainStates.AsSpan(first, count).ToArray());
    }

    /// <summary><paramref name="total"/> split in proportion to <paramref name="weights"/> by largest remainder (ties to the first).</summary>
    internal static int[] Shares(int total, int[] weights)
    {
        long sum = weights.Sum(w => (long)w);
        var counts = weights.Select(w => (int)(total * (long)w / sum)).ToArray();
        var order = Enumerable.Range(0, weights.Length).OrderByDescending(j => total * (long)weights[j] % sum).ThenBy(j => j);
        foreach (var j in order.Take(total - counts.Sum())) counts[j]++;
        return counts;
    }
}
