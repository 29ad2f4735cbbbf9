using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;

namespace LatentCycles.Training.Tests;

public sealed class EvaluatorTests : TestKit
{
    /// <summary>
    /// An evaluation with nothing waiting behind it runs on the evaluator's thread; one with requests waiting behind it
    /// (they arrived while the last one ran) takes the thread-pool path; the answers keep the order of the requests.
    /// </summary>
    [Fact]
    public void Evaluations_with_requests_waiting_behind_them_take_the_pool_and_answers_keep_their_order()
    {
        var state = TrainingState.Start(TrainingFixtures.SmallConfig(), TrainingFixtures.SyntheticData().Train);
        var calls = new ConcurrentQueue<string>();
        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        var figure = 0;
        (LikelihoodEstimate, LikelihoodEstimate) Evaluate(string path)
        {
            calls.Enqueue(path);
            if (calls.Count == 1)
            {
                firstStarted.Set();
                releaseFirst.Wait(TimeSpan.FromMinutes(1));
            }
            var n = Interlocked.Increment(ref figure);
            return (new LikelihoodEstimate(-n, 0), new LikelihoodEstimate(-n, 0));
        }
        StateEvaluator onThisThread = _ => Evaluate("own thread"), overThePool = _ => Evaluate("pool");
        var evaluator = Sys.ActorOf(Props.Create(() => new Evaluator(onThisThread, overThePool, null)));

        evaluator.Tell(new RunEffect.Evaluate(state), TestActor);
        Assert.True(firstStarted.Wait(TimeSpan.FromMinutes(1)), "the first evaluation did not start");
        evaluator.Tell(new RunEffect.Evaluate(state), TestActor);
        evaluator.Tell(new RunEffect.Evaluate(state), TestActor);
        releaseFirst.Set();

        for (var n = 1; n <= 3; n++) Assert.Equal(-n, ExpectMsg<RunInput.Evaluated>(TimeSpan.FromMinutes(1)).Test.MeanNats);
        Assert.Equal(["own thread", "pool", "own thread"], calls.ToArray());
    }
}
