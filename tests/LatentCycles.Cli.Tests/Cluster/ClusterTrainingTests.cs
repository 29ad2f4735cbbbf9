namespace LatentCycles.Cli.Tests.Cluster;

/// <summary>
/// Issue 4 end to end on loopback: a coordinator process and worker processes give the parameters of a single-process
/// run bit for bit, whoever joins, dies or restarts (ARCHITECTURE.md, "Node loss", "Node join", "Checkpoints").
/// </summary>
[Collection(ClusterRunCollection.Name)]
public sealed class ClusterTrainingTests(ClusterRunFixture reference) : IDisposable
{
    private static readonly TimeSpan Timeout = ClusterRunFixture.Timeout;

    private readonly TemporaryDirectory _temporary = new();
    private readonly List<ClusterProcess> _processes = [];
    private readonly int _port = ClusterProcess.FreePort();

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        _temporary.Dispose();
    }

    [Fact]
    public void A_coordinator_and_two_workers_give_the_parameters_of_a_single_process_run()
    {
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "2", .. ClusterRunFixture.Settings]);
        Worker("worker-1");
        Worker("worker-2");

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);

        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
        Assert.Contains(2, ClusterRunFixture.NodesPerRound(run));
    }

    [Fact]
    public void A_worker_killed_mid_run_loses_its_blocks_to_the_other_and_the_result_is_unchanged()
    {
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "2", .. ClusterRunFixture.Settings]);
        var doomed = Worker("worker-1");
        Worker("worker-2");
        coordinator.WaitForOutput("round 8/", Timeout);

        doomed.Kill();

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);
        Assert.Contains("the data link to node", coordinator.Output);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
        Assert.Equal(1, ClusterRunFixture.NodesPerRound(run)[^1]);
    }

    [Fact]
    public void A_worker_that_joins_mid_run_takes_blocks_and_the_result_is_unchanged()
    {
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "1", .. ClusterRunFixture.Settings]);
        Worker("worker-1");
        coordinator.WaitForOutput("round 4/", Timeout);

        var late = Worker("worker-2");
        late.WaitForOutput("running blocks from round", Timeout);

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);
        var nodes = ClusterRunFixture.NodesPerRound(run);
        Assert.Equal(1, nodes[0]);
        Assert.Contains(2, nodes);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
    }

    [Fact]
    public void A_coordinator_killed_mid_run_and_resumed_continues_from_the_store_with_the_workers_to_the_same_result()
    {
        var run = _temporary.Combine("cluster");
        var first = Coordinator(["train", "--out", run, "--min-workers", "2", .. ClusterRunFixture.Settings]);
        var workers = new[] { Worker("worker-1"), Worker("worker-2") };
        first.WaitForOutput("round 12/", Timeout);

        first.Kill();
        var resumed = Coordinator(["resume", run, "--min-workers", "2", "--checkpoint-every", "4", "--evaluate-every", "0"]);

        Assert.True(resumed.WaitForExit(Timeout) == 0, resumed.Output);
        Assert.Contains("resuming", resumed.Output);
        Assert.All(workers, w => Assert.Contains("joining again", w.Output));
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
    }

    [Fact]
    public void A_coordinator_sent_SIGTERM_stops_like_one_host_with_a_stop_checkpoint_and_resumes_to_the_same_result()
    {
        var run = _temporary.Combine("cluster");
        var first = Coordinator(["train", "--out", run, "--min-workers", "1", .. ClusterRunFixture.Settings]);
        Worker("worker-1");
        first.WaitForOutput("round 12/", Timeout);

        first.Terminate();

        Assert.True(first.WaitForExit(Timeout) == TrainingSession.StoppedExitCode, first.Output);
        var stoppedAt = CliRunner.LatestCheckpointRound(run);
        Assert.Contains($"stopped at round {stoppedAt} of", first.Output);
        var resumed = Coordinator(["resume", run, "--min-workers", "1", "--checkpoint-every", "4", "--evaluate-every", "0"]);
        Assert.True(resumed.WaitForExit(Timeout) == 0, resumed.Output);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
    }

    [Fact]
    public void Six_workers_two_killed_and_one_joining_give_the_parameters_of_a_single_process_run()
    {
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "6", .. ClusterRunFixture.Settings]);
        var workers = Enumerable.Range(1, 6).Select(j => Worker($"worker-{j}")).ToArray();
        coordinator.WaitForOutput("round 8/", Timeout);

        workers[0].Kill();
        workers[1].Kill();
        var late = Worker("worker-7");
        late.WaitForOutput("running blocks from round", Timeout);

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);
        var nodes = ClusterRunFixture.NodesPerRound(run);
        Assert.Equal(6, nodes[0]);
        Assert.Equal(5, nodes[^1]);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
    }

    private ClusterProcess Coordinator(string[] args) =>
        Track(ClusterProcess.Start("coordinator", [.. args, "--cluster", "--port", $"{_port}", "--threads", "0"]));

    private ClusterProcess Worker(string name) =>
        Track(ClusterProcess.Start(name, "node", "--seed", $"127.0.0.1:{_port}", "--threads", "1"));

    private ClusterProcess Track(ClusterProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
