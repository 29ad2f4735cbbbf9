using Akka.Actor;
using LatentCycles.Core.Training;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Training.Actors;

/// <summary>
/// Evaluates the states the run step asks for (<see cref="RunEffect.Evaluate"/>), one at a time in the order asked, on a
/// thread of its own, and answers the coordinator with the <see cref="RunInput"/>: the rounds after an evaluation round
/// go on meanwhile. A <see cref="TrainingState"/> is an immutable value, so the state evaluated is exactly that round's.
/// </summary>
internal sealed class Evaluator : ReceiveActor
{
    public Evaluator(StateEvaluator evaluate, RoundProfile? profile)
    {
        Receive<RunEffect.Evaluate>(request =>
        {
            var started = RoundProfile.Now;
            var answer = RunStep.Evaluate(evaluate, request.State);
            profile?.Lap(RoundPhase.Evaluation, started);
            Sender.Tell(answer);
        });
    }

    public static Props Props(StateEvaluator evaluate, RoundProfile? profile) =>
        Akka.Actor.Props.Create(() => new Evaluator(evaluate, profile)).WithDispatcher(ActorSystemHost.EvaluationDispatcher);
}
