using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

/// <summary>The run policy on its own: inputs in, effects out, no actors.</summary>
public sealed class RunStepTests
{
    private static readonly BinaryImages Data = EnumerationFixtures.RandomData(60, 6, 3);

    private static readonly TrainingConfig Config = new() { K = 3, Chains = 20, BlockSize = 8, Rounds = 4, MinibatchSize = 10, Seed = 2 };

    [Fact]
    public void A_new_run_checkpoints_first_then_writes_every_row_evaluates_on_schedule_and_checkpoints_at_the_end()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 2, EvaluateEvery: 3));

        driver.Begin(RunState.New(TrainingState.Start(Config, Data)));
        driver.Answer(new RunInput.CheckpointSaved(0));
        for (var round = 1; round <= 4; round++)
        {
            driver.CompleteRound();
            if (round is 3 or 4) driver.Answer(Evaluated(round));
            if (round is 2 or 4) driver.Answer(new RunInput.CheckpointSaved(round));
        }

        Assert.Equal(
        [
            "rewrite 0", "checkpoint 0", "start 0",
            "row 1", "start 1",
            "row 2", "checkpoint 2", "start 2",
            "start 3", "evaluate 3", "row 3 evaluated",
            "evaluate 4", "row 4 evaluated", "checkpoint 4", "finished 4",
        ], driver.Log);
    }

    [Fact]
    public void Rounds_go_on_while_an_evaluation_is_out_and_its_row_is_written_first()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 10, EvaluateEvery: 1, EvaluateFinalRound: false));
        driver.Begin(RunState.Resumed(TrainingState.Start(Config, Data), []));

        driver.CompleteRound();
        driver.CompleteRound();
        driver.Answer(Evaluated(2));
        driver.Answer(Evaluated(1));

        Assert.Equal(["rewrite 0", "start 0", "start 1", "evaluate 1", "start 2", "evaluate 2", "row 1 evaluated", "row 2 evaluated"], driver.Log);
    }

    [Fact]
    public void Rounds_go_on_while_a_checkpoint_is_written_and_the_next_checkpoint_waits_for_it()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 1, EvaluateEvery: 0, EvaluateFinalRound: false));
        driver.Begin(RunState.New(TrainingState.Start(Config, Data)));
        driver.Answer(new RunInput.CheckpointSaved(0));

        driver.CompleteRound();
        driver.CompleteRound();
        driver.Answer(new RunInput.CheckpointSaved(1));
        driver.Answer(new RunInput.CheckpointSaved(2));
        driver.CompleteRound();
        driver.CompleteRound();
        driver.Answer(new RunInput.CheckpointSaved(3));
        driver.Answer(new RunInput.CheckpointSaved(4));

        Assert.Equal(
        [
            "rewrite 0", "checkpoint 0", "start 0",
            "row 1", "checkpoint 1", "start 1",
            "start 2",
            "row 2", "checkpoint 2",
            "row 3", "checkpoint 3", "start 3",
            "row 4", "checkpoint 4", "finished 4",
        ], driver.Log);
    }

    [Fact]
    public void A_stop_finishes_the_round_in_flight_and_checkpoints_it()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 10, EvaluateEvery: 0));
        driver.Begin(RunState.Resumed(TrainingState.Start(Config, Data), []));

        driver.Answer(new RunInput.StopRequested());
        driver.CompleteRound();
        driver.Answer(new RunInput.CheckpointSaved(1));

        Assert.Equal(["rewrite 0", "start 0", "row 1", "checkpoint 1", "stopped 1"], driver.Log);
    }

    [Fact]
    public void A_non_finite_round_ends_the_run_at_the_checkpoint_being_stored()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 1, EvaluateEvery: 1, EvaluateFinalRound: false));
        driver.Begin(RunState.Resumed(TrainingState.Start(Config, Data), []));
        driver.CompleteRound();
        driver.Answer(Evaluated(1));

        driver.CompleteRound(nonFinite: true);
        driver.Answer(new RunInput.CheckpointSaved(1));

        Assert.Equal(["rewrite 0", "start 0", "start 1", "evaluate 1", "row 1 evaluated", "checkpoint 1", "diverged 1"], driver.Log);
        Assert.Contains("the gradient of round 2 is not finite", driver.Finish!.Message);
    }

    [Fact]
    public void A_model_that_cannot_be_evaluated_ends_the_run_at_the_last_checkpoint_without_its_row()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 10, EvaluateEvery: 1));
        driver.Begin(RunState.Resumed(TrainingState.Start(Config, Data), []));
        driver.CompleteRound();

        driver.Answer(new RunInput.EvaluationFailed(1, "overflow"));

        Assert.Equal(["rewrite 0", "start 0", "start 1", "evaluate 1", "diverged 0"], driver.Log);
        Assert.Contains("after round 1 cannot be evaluated (overflow)", driver.Finish!.Message);
    }

    [Fact]
    public void A_resumed_run_counts_elapsed_time_on_from_its_history()
    {
        var driver = new Driver(new RunPolicy(CheckpointEvery: 10, EvaluateEvery: 0));
        MetricsRow[] history = [new(1, -1, null, 0.5, 0.1, ElapsedSeconds: 40)];
        var start = TrainingState.Start(Config, Data);
        driver.Begin(RunState.Resumed(new TrainingState(Config, 1, start.Parameters, start.Optimizer, start.ChainStates), history));

        driver.CompleteRound(sessionSeconds: 2.5);

        Assert.Equal([1, 2], driver.State.History.Select(r => r.Round));
        Assert.Equal(42.5, driver.State.History[^1].ElapsedSeconds);
    }

    private static RunInput.Evaluated Evaluated(int round) => new(round, new LikelihoodEstimate(-2, 0.1), new LikelihoodEstimate(-3, 0.1));

    /// <summary>Plays the trainer: runs the rounds the step starts (every block in order) and logs every effect.</summary>
    private sealed class Driver(RunPolicy policy)
    {
        private readonly RunStep _step = new(policy, Data);
        private TrainingState? _roundFrom;

        public List<string> Log { get; } = [];

        public RunState State { get; private set; } = null!;

        public RunEffect.Finish? Finish { get; private set; }

        public void Begin(RunState state) => Record(_step.Begin(state));

        public void Answer(RunInput input) => Record(_step.Next(State, input));

        public void CompleteRound(bool nonFinite = false, double sessionSeconds = 1)
        {
            var state = _roundFrom ?? throw new InvalidOperationException("no round was started");
            var statistics = new ChainStatistics(state.Config.K, Data.PixelCount);
            var block = new ChainStatistics(state.Config.K, Data.PixelCount);
            var sweeper = new ChainSweeper(state.Config.K, Data.PixelCount);
            var prepared = new PreparedParameters(state.Parameters);
            var chains = (byte[])state.ChainStates.Clone();
            BlockRunner.RunAll(state.Config, state.Round, prepared, chains, sweeper, block, statistics);
            statistics.HasNonFiniteProbabilities = nonFinite;
            Answer(new RunInput.RoundCompleted(statistics, chains, new RoundTiming(0.5, sessionSeconds, 1, DateTimeOffset.UnixEpoch)));
        }

        private void Record(RunTransition transition)
        {
            State = transition.State;
            foreach (var effect in transition.Effects)
            {
                Log.Add(effect switch
                {
                    RunEffect.RewriteMetrics m => $"rewrite {m.History.Count}",
                    RunEffect.SaveCheckpoint c => $"checkpoint {c.State.Round}",
                    RunEffect.StartRound s => $"start {s.State.Round}",
                    RunEffect.Evaluate e => $"evaluate {e.State.Round}",
                    RunEffect.WriteRow w => $"row {w.Row.Round}" + (w.Row.TestLogLikelihood is null ? "" : " evaluated"),
                    RunEffect.Finish f => $"{f.Outcome.ToString().ToLowerInvariant()} {f.State.Round}",
                    _ => throw new InvalidOperationException($"unexpected effect {effect}"),
                });
                if (effect is RunEffect.StartRound start) _roundFrom = start.State;
                if (effect is RunEffect.Finish finish) Finish = finish;
            }
        }
    }
}
