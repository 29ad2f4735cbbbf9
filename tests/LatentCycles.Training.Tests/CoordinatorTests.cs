using Akka.Actor;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Tests;

public sealed class CoordinatorTests : HostedTestKit
{
    private readonly TemporaryDirectory _directory;

    public CoordinatorTests() : this(new TemporaryDirectory()) { }

    private CoordinatorTests(TemporaryDirectory directory)
        : base(new ActorSystemOptions { Store = StoreLocation.Sqlite(directory.Combine(RunDirectory.StoreFileName)) }) => _directory = directory;

    [Fact]
    public async Task A_round_without_statistics_fails_the_run_with_a_timeout_instead_of_hanging()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(), data.Train);
        var silentNode = CreateTestProbe();
        var completion = new TaskCompletionSource<RunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var setup = new CoordinatorSetup("timeout-test", Guid.NewGuid(), start, data, TrainingFixtures.Settings(_directory.Path),
            [new NodeShare<IActorRef>(silentNode.Ref, 1)], MinRemoteNodes: 0, InCluster: false,
            RoundTimeout: TimeSpan.FromMilliseconds(300), CheckpointTimeout: TimeSpan.FromSeconds(30),
            _ => throw new InvalidOperationException("no evaluation expected"), _ => { }, _ => { }, completion);

        Sys.ActorOf(Coordinator.Props(setup));

        var round = silentNode.ExpectMsg<RoundStarted>(TimeSpan.FromSeconds(20));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => completion.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, round.Round);
        Assert.Contains("round 1 got no statistics", error.Message);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _directory.Dispose();
    }
}
