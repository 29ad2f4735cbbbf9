using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace LatentCycles.Training.Hosting;

/// <summary>
/// The executor of the chain workers' and the evaluator's dispatchers (<see cref="ActorSystemHost.ChainDispatcher"/>,
/// <see cref="ActorSystemHost.EvaluationDispatcher"/>): a fixed set of dedicated threads that go to sleep the moment
/// their queue is empty. Hand-written because Akka's fork-join executor yields the processor dozens of times before it
/// sleeps, and on a machine with as many cores as chain threads those yielding threads kept a core looking busy while a
/// chain thread woken for the next round sat in the other core's queue (docs/PERFORMANCE.md, "Threads, hand-overs and
/// terms computed ahead"). Configured by <c>dedicated-threads.thread-count</c>.
/// </summary>
public sealed class DedicatedThreadsConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) =>
        new DedicatedThreads(id, Math.Max(1, Config.GetInt("dedicated-threads.thread-count", 1)), Prerequisites.EventStream);
}

/// <summary>Runs each queued task on one of its threads, in queue order; a thread with nothing to run waits on a monitor.</summary>
internal sealed class DedicatedThreads : ExecutorService
{
    private readonly Queue<IRunnable> _queue = new();
    private readonly object _gate = new();
    private readonly EventStream _events;
    private bool _shutDown;
    private int _waiting;

    public DedicatedThreads(string id, int threadCount, EventStream events) : base(id)
    {
        _events = events;
        for (var j = 0; j < threadCount; j++)
            new Thread(Work) { IsBackground = true, Name = $"{id}-{j}" }.Start();
    }

    public override void Execute(IRunnable run)
    {
        lock (_gate)
        {
            if (_shutDown) throw new RejectedExecutionException($"the executor of {Id} is shut down");
            _queue.Enqueue(run);
            if (_waiting > 0) Monitor.Pulse(_gate);
        }
    }

    public override void Shutdown()
    {
        lock (_gate)
        {
            _shutDown = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Work()
    {
        while (true)
        {
            IRunnable run;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    if (_shutDown) return;
                    _waiting++;
                    Monitor.Wait(_gate);
                    _waiting--;
                }
                run = _queue.Dequeue();
            }
            try
            {
                run.Run();
            }
            catch (Exception e)
            {
                // A mailbox run reports its actor's failures itself; anything escaping it is the dispatcher's own bug.
                _events.Publish(new Error(e, Id, typeof(DedicatedThreads), $"a task of {Id} failed"));
            }
        }
    }
}
