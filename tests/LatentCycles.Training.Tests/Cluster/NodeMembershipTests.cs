using Akka.Actor;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;
using LatentCycles.Core.Evaluation;

namespace LatentCycles.Training.Tests.Cluster;

/// <summary>docs/ARCHITECTURE.md, "Node loss" and "Node join", at actor level: membership changes never change the result.</summary>
public sealed class NodeMembershipTests : HostedTestKit
{
    private readonly TemporaryDirectory _directory;

    public NodeMembershipTests() : this(new TemporaryDirectory()) { }

    private NodeMembershipTests(TemporaryDirectory directory)
        : base(new ActorSystemOptions { Store = StoreLocation.Sqlite(Path.Combine(directory.Path, RunDirectory.StoreFileName)) }) => _directory = directory;

    [Fact]
    public async Task A_node_stopped_mid_run_loses_its_blocks_to_the_other_and_the_result_is_bit_identical()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(OpenEndedRounds), data.Train);
        var staying = Sys.ActorOf(NodeAggregator.Props(1), "staying");
        var leaving = Sys.ActorOf(NodeAggregator.Props(1), "leaving");
        var rows = new List<MetricsRow>();

        var result = await Run(start, data, [staying, leaving], (progress, coordinator) =>
        {
            rows.Add(progress);
            if (progress.Round == 3) Sys.Stop(leaving);
            StopOnce(coordinator, rows, progress.Nodes == 1);
        });

        TrainingFixtures.AssertBitIdentical(ReferenceRun(start, data, result), result.State);
        // Rounds run ahead of their rows (evaluations and checkpoints are written beside them), so the round from which
        // the node is gone depends on timing; it never comes back.
        Assert.All(rows.Take(3), r => Assert.Equal(2, r.Nodes));
        Assert.Equal(1, rows[^1].Nodes);
        Assert.True(Enumerable.Range(1, rows.Count - 1).All(i => rows[i].Nodes <= rows[i - 1].Nodes), string.Join(",", rows.Select(r => r.Nodes)));
    }

    [Fact]
    public async Task A_node_that_registers_mid_run_takes_blocks_and_the_result_is_bit_identical()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(OpenEndedRounds), data.Train);
        var first = Sys.ActorOf(NodeAggregator.Props(1), "first");
        var joining = Sys.ActorOf(NodeAggregator.Props(2), "joining");
        var rows = new List<MetricsRow>();

        var result = await Run(start, data, [first], (progress, coordinator) =>
        {
            rows.Add(progress);
            if (progress.Round == 3) coordinator.Tell(new RegisterNode(2), joining);
            StopOnce(coordinator, rows, progress.Nodes == 2);
        });

        TrainingFixtures.AssertBitIdentical(ReferenceRun(start, data, result), result.State);
        // The node registers when row 3 is written; rounds run ahead of their rows, so which round first uses it depends on timing.
        Assert.All(rows.Take(3), r => Assert.Equal(1, r.Nodes));
        Assert.Equal(2, rows[^1].Nodes);
        Assert.True(Enumerable.Range(1, rows.Count - 1).All(i => rows[i].Nodes >= rows[i - 1].Nodes), string.Join(",", rows.Select(r => r.Nodes)));
    }

    // Open-ended: a 10-round run could end before a node stopped at row 3 was seen to be gone (rounds run ahead of their
    // rows). So each run is stopped once a row shows the change, and compared with a reference run of as many rounds:
    // the learning rate depends on the round, not on the total.
    private const int OpenEndedRounds = 1_000_000;

    /// <summary>Asks the run to stop the first time <paramref name="changed"/> holds for the row just added.</summary>
    private static void StopOnce(IActorRef coordinator, List<MetricsRow> rows, bool changed)
    {
        if (changed && rows.Count(r => r.Nodes == rows[^1].Nodes) == 1) coordinator.Tell(StopRequested.Instance);
    }

    /// <summary>The single-threaded reference trainer's state after as many rounds as <paramref name="result"/> ran.</summary>
    private static TrainingState ReferenceRun(TrainingState start, Core.Data.DataSplit data, RunResult result)
    {
        Assert.Equal(RunOutcome.Stopped, result.Outcome);
        return new ReferenceTrainer(data.Train).RunToEnd(start.WithRounds(result.State.Round));
    }

    private async Task<RunResult> Run(TrainingState start, Core.Data.DataSplit data, IActorRef[] nodes, Action<MetricsRow, IActorRef> onProgress)
    {
        var completion = new TaskCompletionSource<RunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        IActorRef coordinator = ActorRefs.Nobody;
        var setup = new CoordinatorSetup("membership-test", Guid.NewGuid(), start, data, TrainingFixtures.Settings(_directory.Path),
            nodes.Select(n => new NodeShare<IActorRef>(n, 1)).ToArray(), MinRemoteNodes: 0, InCluster: false,
            RoundTimeout: TimeSpan.FromSeconds(30), CheckpointTimeout: TimeSpan.FromSeconds(30),
            _ => (new LikelihoodEstimate(-1, 0), new LikelihoodEstimate(-1, 0)), p => onProgress(p, coordinator), _ => { }, completion);
        coordinator = Sys.ActorOf(Coordinator.Props(setup), "coordinator");
        return await completion.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _directory.Dispose();
    }
}
