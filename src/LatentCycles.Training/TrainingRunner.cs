using System.Diagnostics;
using Akka.Actor;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;

namespace LatentCycles.Training;

/// <summary>Runs the actor trainer on one host: a coordinator, one node aggregator and one chain worker per thread.</summary>
public static class TrainingRunner
{
    /// <summary>The persistence id of the coordinator: one run per store.</summary>
    internal const string PersistenceId = "latentcycles-run";

    /// <summary>
    /// A new run (empty store: starts from <paramref name="start"/>) or a resume (the store holds checkpoints of the same
    /// configuration: continues from the latest, recomputing the rounds after it bit for bit). Runs until config.Rounds;
    /// <paramref name="stop"/> cancelled → finishes the round in flight, checkpoints, returns Stopped. A NaN/∞ gradient →
    /// Diverged with the last good checkpoint's state. Writes metrics.csv (rewritten from the checkpoint on resume) and
    /// config.json (if absent) in the run directory.
    /// </summary>
    /// <exception cref="RunStoreException">the store is not a LatentCycles store, or holds a run of another configuration (the file is left untouched).</exception>
    /// <exception cref="TimeoutException">a round's statistics or a checkpoint write did not arrive in time.</exception>
    public static Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings,
        Action<RoundProgress> onProgress, CancellationToken stop) =>
        RunAsync(start, data, settings, onProgress, stop, EvaluateLikelihoods);

    internal static async Task<RunResult> RunAsync(TrainingState start, DataSplit data, RunSettings settings,
        Action<RoundProgress> onProgress, CancellationToken stop, LikelihoodEvaluator evaluate)
    {
        settings.Validate();
        start.Config.Validate();
        if (data.Train.PixelCount != start.Parameters.N)
            throw new ArgumentException($"the data set has {data.Train.PixelCount} pixels per image, the model N = {start.Parameters.N}");
        var clock = Stopwatch.StartNew();
        var storePath = settings.StorePath;
        var stored = CheckpointStore.ReadCheckpoints(storePath, missingIsEmpty: true).LastOrDefault();
        if (stored is not null && stored.State.Config != start.Config)
            throw new RunStoreException($"{storePath} holds a run of another configuration ({Differences(stored.State.Config, start.Config)})");
        Directory.CreateDirectory(settings.RunDirectory);
        if (!File.Exists(Path.Combine(settings.RunDirectory, RunDirectory.ConfigFileName)))
            RunDirectory.WriteConfig(settings.RunDirectory, start.Config, data.Name);

        var hocon = TrainingHocon.ForSingleHost(storePath, settings.Threads);
        var system = ActorSystem.Create("latentcycles", hocon);
        try
        {
            var completion = new TaskCompletionSource<RunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var aggregator = system.ActorOf(NodeAggregator.Props(settings.Threads), "node");
            var setup = new CoordinatorSetup(PersistenceId, start, data, settings, [new NodeShare<IActorRef>(aggregator, settings.Threads)],
                MinRemoteNodes: 0, InCluster: false, hocon.GetTimeSpan("latentcycles.round-timeout"), hocon.GetTimeSpan("latentcycles.checkpoint-timeout"),
                evaluate, onProgress, _ => { }, completion);
            var coordinator = system.ActorOf(Coordinator.Props(setup), "coordinator");
            await using var onStop = stop.Register(() => coordinator.Tell(Protocol.StopRequested.Instance));
            var result = await completion.Task.ConfigureAwait(false);
            return result with { WallSeconds = clock.Elapsed.TotalSeconds };
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Test and train mean log-likelihood from one fresh-sample kernel estimate (MODEL.md §2), drawn from the Evaluation
    /// streams of (seed, round), so it is reproducible and independent of the training chains.
    /// </summary>
    internal static (LikelihoodFigure Train, LikelihoodFigure Test) EvaluateLikelihoods(TrainingState state, DataSplit data)
    {
        var options = new EvaluationOptions(state.Config.Seed, (uint)state.Round);
        var test = ModelEvaluator.Evaluate(state.Parameters, data.Test, options);
        var train = ModelEvaluator.Evaluate(state.Parameters, data.Train, options with { Kernel = test.Kernel });
        return (Figure(train.Likelihood), Figure(test.Likelihood));
    }

    private static LikelihoodFigure Figure(LikelihoodEstimate estimate) => new(estimate.MeanNats, estimate.StandardErrorNats);

    /// <summary>The settings in which two configurations differ, e.g. "Seed 5 there, 6 here".</summary>
    private static string Differences(TrainingConfig stored, TrainingConfig given) =>
        string.Join(", ", typeof(TrainingConfig).GetProperties()
            .Where(p => p.CanWrite)
            .Select(p => (p.Name, Stored: p.GetValue(stored), Given: p.GetValue(given)))
            .Where(d => !Equals(d.Stored, d.Given))
            .Select(d => FormattableString.Invariant($"{d.Name} {d.Stored} there, {d.Given} here")));
}
