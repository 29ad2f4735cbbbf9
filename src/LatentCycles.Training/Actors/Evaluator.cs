using Akka.Actor;
using LatentCycles.Core.Training;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Evaluates the states the run step asks for (<see cref="RunEffect.Evaluate"/>), one at a time in the order asked, on a
/// thread of its own, and answers the coordinator with the <see cref="RunInput"/>: the rounds after an evaluation round
/// go on meanwhile. A <see cref="TrainingState"/> is an immutable value, so the state evaluated is exactly that round's.
/// <para>
/// Each request is queued and taken up through a message to itself, so that the requests that arrived during the
/// last evaluation are all queued before the next one starts. When none is waiting behind it (evaluations keep up with
/// the rounds), an evaluation keeps its kernel sample's draws on this thread: spread over the thread pool they held the
/// threads the coordinator and the node run on, and the rounds after an evaluation round were slower
/// (docs/PERFORMANCE.md, "The evaluation's draws on the evaluator's thread"). When more are waiting (evaluations every
/// few rounds), it spreads them over the pool to catch up. The figures are the same either way.
/// </para>
/// </summary>
internal sealed class Evaluator : ReceiveActor
{
    private readonly Queue<(RunEffect.Evaluate Request, IActorRef ReplyTo)> _waiting = new();

    public Evaluator(StateEvaluator onThisThread, StateEvaluator overThePool, RoundProfile? profile)
    {
        Receive<RunEffect.Evaluate>(request =>
        {
            _waiting.Enqueue((request, Sender));
            Self.Tell(TakeNext.Instance);
        });
        Receive<TakeNext>(_ =>
        {
            if (!_waiting.TryDequeue(out var next)) return;
            var started = RoundProfile.Now;
            var answer = RunStep.Evaluate(_waiting.Count == 0 ? onThisThread : overThePool, next.Request.State);
            profile?.Lap(RoundPhase.Evaluation, started);
            next.ReplyTo.Tell(answer);
        });
    }

    public static Props Props(StateEvaluator onThisThread, StateEvaluator overThePool, RoundProfile? profile) =>
        Akka.Actor.Props.Create(() => new Evaluator(onThisThread, overThePool, profile)).WithDispatcher(ActorSystemHost.EvaluationDispatcher);

    /// <summary>Take up the oldest waiting request; one is sent per request, after it is queued.</summary>
    private sealed class TakeNext
    {
        public static readonly TakeNext Instance = new();
    }
}
