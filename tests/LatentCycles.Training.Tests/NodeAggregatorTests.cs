using LatentCycles.Core.Chains;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Tests;

public sealed class NodeAggregatorTests() : HostedTestKit(new ActorSystemOptions())
{
    [Fact]
    public void Blocks_handed_over_in_any_order_sum_to_the_statistics_of_one_thread_over_two_rounds()
    {
        RunTwoRounds(workerCount: 3, giveBack: false);
    }

    [Fact]
    public void A_reply_hands_its_sum_over_and_a_sum_given_back_is_cleared_and_reused_for_the_next_round()
    {
        // One worker, so that the worker holding the given-back sum is the one that runs the blocks: with several, which
        // workers get blocks depends on the scheduler, and the total is the first busy worker's sum.
        var (first, second) = RunTwoRounds(workerCount: 1, giveBack: true);

        Assert.True(first.OwnsStatistics);
        Assert.Same(first.Statistics, second.Statistics);
    }

    /// <summary>
    /// A sum given back holds the last round's counts until a worker clears it; an assignment with no blocks, which no
    /// worker runs, must still answer with zero statistics, not with those counts.
    /// </summary>
    [Fact]
    public void An_assignment_without_blocks_after_a_sum_was_given_back_answers_with_zero_statistics()
    {
        var data = TrainingFixtures.SyntheticData();
        var config = TrainingFixtures.SmallConfig();
        var state = TrainingState.Start(config, data.Train);
        var node = Sys.ActorOf(NodeAggregator.Props(1));
        var blocks = Enumerable.Range(0, config.BlockCount)
            .Select(b => new BlockStates(b, state.ChainStates.AsSpan(config.Block(b).FirstChain, config.Block(b).Count).ToArray()));

        node.Tell(new RoundStarted(0, config, state.Parameters, blocks.ToArray()), TestActor);
        var first = ExpectMsg<NodeStatistics>(TimeSpan.FromSeconds(20));
        Assert.True(first.Statistics.Transitions > 0);
        node.Tell(new SpareStatistics(first.Statistics), TestActor);
        node.Tell(new RoundStarted(1, config, state.Parameters, []), TestActor);
        var empty = ExpectMsg<NodeStatistics>(TimeSpan.FromSeconds(20));

        Assert.Empty(empty.Blocks);
        Assert.Equal(StatisticsFields.Of(new ChainStatistics(config.K, state.Parameters.N)), StatisticsFields.Of(empty.Statistics));
    }

    /// <summary>Two rounds on a node, checked against one thread; with <paramref name="giveBack"/> the first reply's sum goes back to the node in between.</summary>
    private (NodeStatistics First, NodeStatistics Second) RunTwoRounds(int workerCount, bool giveBack)
    {
        var data = TrainingFixtures.SyntheticData();
        var config = TrainingFixtures.SmallConfig();
        var state = TrainingState.Start(config, data.Train);
        var node = Sys.ActorOf(NodeAggregator.Props(workerCount));
        var shuffled = new[] { 5, 0, 6, 2, 4, 1, 3 };

        var chainStates = state.ChainStates;
        var replies = new List<NodeStatistics>();

        for (var round = 0; round < 2; round++)
        {
            var (expectedSum, expectedStates) = SequentialRound(config, round, state, chainStates);
            var blocks = shuffled.Select(b => new BlockStates(b, chainStates.AsSpan(config.Block(b).FirstChain, config.Block(b).Count).ToArray()));

            node.Tell(new RoundStarted(round, config, state.Parameters, blocks.ToArray()), TestActor);
            var reply = ExpectMsg<NodeStatistics>(TimeSpan.FromSeconds(20));

            Assert.Equal(round, reply.Round);
            Assert.Equal(Enumerable.Range(0, config.BlockCount), reply.Blocks.Select(b => b.BlockId));
            Assert.Equal(expectedStates, reply.Blocks.SelectMany(b => b.States));
            Assert.Equal(StatisticsFields.Of(expectedSum), StatisticsFields.Of(reply.Statistics));
            chainStates = expectedStates;
            replies.Add(reply);
            if (giveBack) node.Tell(new SpareStatistics(reply.Statistics), TestActor);
        }
        return (replies[0], replies[1]);
    }

    /// <summary>What one thread computes: every block in order from the same start states, each into its own buffer, summed in order.</summary>
    private static (ChainStatistics Sum, byte[] EndStates) SequentialRound(TrainingConfig config, int round, TrainingState state, byte[] chainStates)
    {
        var n = state.Parameters.N;
        var prepared = new PreparedParameters(state.Parameters);
        var sweeper = new ChainSweeper(config.K, n);
        var block = new ChainStatistics(config.K, n);
        var sum = new ChainStatistics(config.K, n);
        var states = (byte[])chainStates.Clone();
        BlockRunner.RunAll(config, round, prepared, states, sweeper, block, sum);
        return (sum, states);
    }
}

public sealed class BlockQueueTests
{
    [Fact]
    public void Workers_taking_from_one_queue_at_once_get_every_block_exactly_once()
    {
        var blocks = Enumerable.Range(0, 1000).Select(id => new BlockStates(id, [])).ToArray();
        var queue = new BlockQueue(blocks);
        var taken = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var start = new Barrier(4);

        var takers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            while (queue.Take() is { } block) taken.Add(block.BlockId);
        })).ToArray();
        foreach (var taker in takers) taker.Start();
        foreach (var taker in takers) taker.Join();

        Assert.Equal(Enumerable.Range(0, 1000), taken.Order());
        Assert.Null(queue.Take());
    }
}
