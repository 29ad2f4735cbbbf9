using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Tests.Cluster;

public sealed class RoundWorkTests
{
    private static readonly TrainingConfig Config = TrainingFixtures.SmallConfig();

    [Fact]
    public void Blocks_are_shared_in_proportion_to_threads_by_largest_remainder()
    {
        Assert.Equal([2, 4, 4], RoundWork<string>.Shares(10, [1, 2, 2]));
        Assert.Equal([3, 2, 2], RoundWork<string>.Shares(7, [1, 1, 1]));
        Assert.Equal([0, 1], RoundWork<string>.Shares(1, [1, 3]));
    }

    [Fact]
    public void Each_block_goes_to_exactly_one_node_in_contiguous_runs_from_the_round_start_states()
    {
        var start = Start();
        var work = new RoundWork<string>(start);

        var assignments = work.Assign([new("a", 1), new("b", 2)]);

        Assert.Equal(["a", "b"], assignments.Select(a => a.Node));
        Assert.Equal(Enumerable.Range(0, Config.BlockCount), assignments.SelectMany(a => a.Blocks).Select(b => b.BlockId));
        Assert.Equal(start.ChainStates, assignments.SelectMany(a => a.Blocks).SelectMany(b => b.States));
        Assert.Empty(work.Assign([new("c", 4)]));
    }

    [Fact]
    public void A_lost_nodes_blocks_go_to_a_remaining_node_and_the_round_sums_to_what_one_node_computes()
    {
        var start = Start();
        var work = new RoundWork<string>(start);
        var first = work.Assign([new("a", 1), new("b", 1)]).ToDictionary(a => a.Node, a => a.Blocks);

        Assert.True(work.Accept("a", Run(start, first["a"])));
        work.Lose("b");
        var second = work.Assign([new("a", 1)]);
        Assert.Equal(first["b"].Select(b => b.BlockId), second.Single().Blocks.Select(b => b.BlockId));
        Assert.True(work.Accept("a", Run(start, second.Single().Blocks)));

        var whole = Run(start, new RoundWork<string>(start).Assign([new("x", 1)]).Single().Blocks);
        Assert.True(work.IsComplete);
        Assert.Equal(1, work.Contributors);
        AssertSameStatistics(whole.Statistics, work.Total);
        Assert.Equal(whole.Blocks.SelectMany(b => b.States), work.EndStates);
    }

    [Fact]
    public void A_spare_total_of_an_earlier_round_is_cleared_and_the_round_sums_to_the_same_statistics()
    {
        var start = Start();
        var earlier = new RoundWork<string>(start);
        Assert.True(earlier.Accept("a", Run(start, earlier.Assign([new("a", 1)]).Single().Blocks)));
        Assert.True(earlier.Total.Transitions > 0);

        var reusing = new RoundWork<string>(start, earlier.Total);
        Assert.True(reusing.Accept("a", Run(start, reusing.Assign([new("a", 1)]).Single().Blocks)));

        var fresh = new RoundWork<string>(start);
        Assert.True(fresh.Accept("a", Run(start, fresh.Assign([new("a", 1)]).Single().Blocks)));
        Assert.Same(earlier.Total, reusing.Total);
        AssertSameStatistics(fresh.Total, reusing.Total);
    }

    [Fact]
    public void A_first_reply_that_owns_its_statistics_becomes_the_total_and_later_replies_add_into_it()
    {
        var start = Start();
        var work = new RoundWork<string>(start);
        var assigned = work.Assign([new("a", 1), new("b", 1)]).ToDictionary(a => a.Node, a => a.Blocks);
        var fromA = Run(start, assigned["a"]) with { OwnsStatistics = true };
        var fromB = Run(start, assigned["b"]) with { OwnsStatistics = true };

        Assert.True(work.Accept("a", fromA));
        Assert.True(work.Accept("b", fromB));

        Assert.Same(fromA.Statistics, work.Total);
        AssertSameStatistics(Run(start, new RoundWork<string>(start).Assign([new("x", 1)]).Single().Blocks).Statistics, work.Total);
    }

    [Fact]
    public void A_reply_whose_statistics_its_sender_reuses_is_added_never_kept()
    {
        var start = Start();
        var work = new RoundWork<string>(start);
        var reply = Run(start, work.Assign([new("a", 1)]).Single().Blocks);

        Assert.True(work.Accept("a", reply));

        Assert.NotSame(reply.Statistics, work.Total);
        AssertSameStatistics(reply.Statistics, work.Total);
    }

    [Fact]
    public void A_late_reply_of_a_lost_node_counts_once_and_the_overlapping_reply_returns_its_other_blocks()
    {
        var start = Start();
        var work = new RoundWork<string>(start);
        var toA = work.Assign([new("a", 1)]).Single().Blocks;
        work.Lose("a");
        var toB = work.Assign([new("b", 1)]).Single().Blocks;

        Assert.True(work.Accept("a", Run(start, toA[..2])));
        Assert.False(work.Accept("b", Run(start, toB)));
        var again = work.Assign([new("b", 1)]).Single().Blocks;

        Assert.Equal(toB[2..].Select(b => b.BlockId), again.Select(b => b.BlockId));
        Assert.True(work.Accept("b", Run(start, again)));
        Assert.True(work.IsComplete);
        AssertSameStatistics(Run(start, toA).Statistics, work.Total);
    }

    [Fact]
    public void Replies_of_another_round_are_dropped()
    {
        var start = Start();
        var work = new RoundWork<string>(start);
        var blocks = work.Assign([new("a", 1)]).Single().Blocks;
        var reply = Run(start, blocks);

        Assert.False(work.Accept("a", reply with { Round = start.Round + 1 }));
        Assert.False(work.IsComplete);
    }

    private static TrainingState Start() => TrainingState.Start(Config, TrainingFixtures.SyntheticData().Train);

    /// <summary>What a node answers for these blocks: their statistics summed and their end states.</summary>
    private static NodeStatistics Run(TrainingState start, BlockStates[] blocks)
    {
        var n = start.Parameters.N;
        var statistics = new ChainStatistics(Config.K, n);
        var sweeper = new ChainSweeper(Config.K, n);
        var prepared = new PreparedParameters(start.Parameters);
        var ends = blocks.Select(b =>
        {
            var states = (byte[])b.States.Clone();
            sweeper.Advance(prepared, Config.Seed, (uint)start.Round, Config.Block(b.BlockId).FirstChain, states, Config.Sweeps, statistics);
            return new BlockStates(b.BlockId, states);
        }).ToArray();
        return new NodeStatistics(start.Round, statistics, ends);
    }

    private static void AssertSameStatistics(ChainStatistics expected, ChainStatistics actual) =>
        Assert.Equal(StatisticsFields.Of(expected), StatisticsFields.Of(actual));
}
