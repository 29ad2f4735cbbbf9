using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Dispatch;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Training.Tests;

/// <summary>The executor of the chain workers' and the evaluator's dispatchers (src/LatentCycles.Training/Hosting/DedicatedThreads.cs) and the dispatcher that uses it.</summary>
public sealed class DedicatedThreadsTests() : HostedTestKit(new ActorSystemOptions { Threads = 3 })
{
    [Fact]
    public void Tasks_queued_from_many_threads_each_run_once_on_the_executors_own_threads()
    {
        var executor = new DedicatedThreads("test-chain-threads", 3, Sys.EventStream);
        var ran = new ConcurrentBag<(int Task, string? Thread)>();
        using var allRan = new CountdownEvent(4000);
        try
        {
            Parallel.For(0, 4, producer =>
            {
                for (var j = 0; j < 1000; j++)
                {
                    var task = producer * 1000 + j;
                    executor.Execute(new ActionRunnable(() =>
                    {
                        ran.Add((task, Thread.CurrentThread.Name));
                        allRan.Signal();
                    }));
                }
            });
            Assert.True(allRan.Wait(TimeSpan.FromSeconds(30)), $"{allRan.CurrentCount} tasks did not run");
        }
        finally
        {
            executor.Shutdown();
        }

        Assert.Equal(Enumerable.Range(0, 4000), ran.Select(r => r.Task).Order());
        Assert.All(ran, r => Assert.StartsWith("test-chain-threads-", r.Thread));
    }

    [Fact]
    public void A_shut_down_executor_refuses_new_tasks()
    {
        var executor = new DedicatedThreads("test-chain-threads", 1, Sys.EventStream);
        executor.Shutdown();

        Assert.Throws<RejectedExecutionException>(() => executor.Execute(new ActionRunnable(() => { })));
    }

    [Fact]
    public void Actors_on_the_chain_dispatcher_run_on_its_threads()
    {
        var probe = Sys.ActorOf(Props.Create(() => new ThreadNameReporter()).WithDispatcher(ActorSystemHost.ChainDispatcher));

        probe.Tell("which thread?");

        Assert.StartsWith(ActorSystemHost.ChainDispatcher + "-", ExpectMsg<string>(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Actors_on_the_evaluation_dispatcher_run_on_its_thread()
    {
        var probe = Sys.ActorOf(Props.Create(() => new ThreadNameReporter()).WithDispatcher(ActorSystemHost.EvaluationDispatcher));

        probe.Tell("which thread?");

        Assert.Equal(ActorSystemHost.EvaluationDispatcher + "-0", ExpectMsg<string>(TimeSpan.FromSeconds(10)));
    }

    private sealed class ThreadNameReporter : ReceiveActor
    {
        public ThreadNameReporter() => Receive<string>(_ => Sender.Tell(Thread.CurrentThread.Name ?? ""));
    }
}
