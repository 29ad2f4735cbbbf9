using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Tests;

public sealed class ActorTrainerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Actor_trainer_matches_the_reference_trainer_bit_for_bit(int threads)
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(), data.Train);
        var expected = new ReferenceTrainer(data.Train).RunToEnd(start);
        using var directory = new TemporaryDirectory();

        var result = await TrainingFixtures.Run(start.Config, data, TrainingFixtures.Settings(directory.Path, threads));

        Assert.Equal(RunOutcome.Finished, result.Outcome);
        TrainingFixtures.AssertBitIdentical(expected, result.State);
    }

    [Fact]
    public async Task Progress_is_reported_every_round_with_likelihoods_on_evaluation_rounds_and_at_the_end()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(rounds: 6), data.Train);
        using var directory = new TemporaryDirectory();
        var reports = new List<MetricsRow>();

        await TrainingFixtures.Run(start.Config, data, TrainingFixtures.Settings(directory.Path), reports.Add);

        Assert.Equal([1, 2, 3, 4, 5, 6], reports.Select(r => r.Round));
        Assert.Equal([4, 6], reports.Where(r => r.TestLogLikelihood is not null).Select(r => r.Round));
        Assert.All(reports.Where(r => r.TrainLogLikelihood is not null), r => Assert.True(r.TrainLogLikelihood!.MeanNats < 0));
        Assert.All(reports, r => Assert.True(r.ChainStepsPerSecond > 0));
    }

    [Fact]
    public async Task A_stopped_run_resumes_to_the_same_bits_as_an_uninterrupted_run()
    {
        using var directory = new TemporaryDirectory();

        await TrainingFixtures.AssertStoppedRunResumesBitIdentical(directory, store: null);
    }

    [Fact]
    public async Task A_stopped_run_with_a_falling_learning_rate_resumes_to_the_same_bits_as_an_uninterrupted_run()
    {
        using var directory = new TemporaryDirectory();

        await TrainingFixtures.AssertStoppedRunResumesBitIdentical(directory, store: null,
            TrainingFixtures.SmallConfig() with { LearningRateSchedule = LearningRateSchedule.InverseSqrt, LearningRateTimeConstant = 2 });
    }

    [Fact]
    public async Task Resuming_rewrites_metrics_csv_from_the_checkpoint_so_rows_never_repeat()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(rounds: 8), data.Train);
        using var directory = new TemporaryDirectory();
        var settings = TrainingFixtures.Settings(directory.Path);
        using var stop = new CancellationTokenSource();
        await TrainingFixtures.Run(start.Config, data, settings, row => { if (row.Round == 2) stop.Cancel(); }, stop.Token);
        var metricsPath = Path.Combine(directory.Path, RunDirectory.MetricsFileName);
        // What a run killed after its checkpoint would leave behind: rows the resumed run recomputes.
        File.AppendAllText(metricsPath, "6,-1,,,,,,0.5,0.1,1000,1,2.5,\n7,-1,,,,,,0.5,0.1,1000,1,3,\n");

        await TrainingFixtures.Run(start.Config, data, settings);

        var lines = File.ReadAllLines(metricsPath);
        Assert.Equal(MetricsCsv.Header, lines[0]);
        Assert.Equal(Enumerable.Range(1, 8), MetricsCsv.Read(metricsPath).Select(row => row.Round));
        Assert.All(lines.Skip(1), l => Assert.Equal(13, l.Split(',').Length));
    }

    [Fact]
    public async Task Checkpoints_are_kept_and_loadable_by_round()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(rounds: 7), data.Train);
        var reference = new ReferenceTrainer(data.Train);
        var afterThree = start;
        for (var r = 0; r < 3; r++) afterThree = reference.RunRound(afterThree).Next;
        using var directory = new TemporaryDirectory();

        var result = await TrainingFixtures.Run(start.Config, data, TrainingFixtures.Settings(directory.Path));

        Assert.Equal(0, CheckpointStore.Load(directory.Path, 2).Round);
        TrainingFixtures.AssertBitIdentical(afterThree, CheckpointStore.Load(directory.Path, 5));
        TrainingFixtures.AssertBitIdentical(result.State, CheckpointStore.LoadLatest(directory.Path));
        Assert.Equal(7, CheckpointStore.LoadLatest(directory.Path).Round);
    }

    [Fact]
    public async Task Checkpoints_beyond_the_retention_are_deleted_while_every_round_keeps_its_metrics_across_a_resume()
    {
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(rounds: 8), data.Train);
        var expected = new ReferenceTrainer(data.Train).RunToEnd(start);
        using var directory = new TemporaryDirectory();
        var settings = TrainingFixtures.Settings(directory.Path) with { CheckpointEvery = 1, KeepCheckpoints = 2 };
        var metricsPath = Path.Combine(directory.Path, RunDirectory.MetricsFileName);
        using var stop = new CancellationTokenSource();
        await TrainingFixtures.Run(start.Config, data, settings, row => { if (row.Round == 4) stop.Cancel(); }, stop.Token);
        var beforeResume = MetricsCsv.Read(metricsPath);

        var result = await TrainingFixtures.Run(start.Config, data, settings);

        TrainingFixtures.AssertBitIdentical(expected, result.State);
        var error = Assert.Throws<RunStoreException>(() => CheckpointStore.Load(directory.Path, 5));
        Assert.EndsWith("it holds rounds 7, 8", error.Message);
        var rows = MetricsCsv.Read(metricsPath);
        Assert.Equal(Enumerable.Range(1, 8), rows.Select(row => row.Round));
        Assert.Equal(beforeResume, rows.Take(beforeResume.Count));
    }

    [Theory]
    [InlineData(1e308)] // the first step overflows the parameters
    [InlineData(1e306)] // finite parameters whose encoder logits overflow in the next round's chain sweep
    public async Task A_diverging_run_returns_Diverged_with_the_last_good_checkpoint(double learningRate)
    {
        var data = TrainingFixtures.SyntheticData();
        var config = TrainingFixtures.SmallConfig() with { LearningRate = learningRate };
        var start = TrainingState.Start(config, data.Train);
        using var directory = new TemporaryDirectory();

        var result = await TrainingFixtures.Run(start.Config, data, TrainingFixtures.Settings(directory.Path));

        Assert.Equal(RunOutcome.Diverged, result.Outcome);
        Assert.True(result.State.Parameters.IsFinite());
        Assert.Contains("last good checkpoint", result.Message);
        TrainingFixtures.AssertBitIdentical(result.State, CheckpointStore.LoadLatest(directory.Path));
    }

    [Fact]
    public async Task A_new_run_writes_config_json_that_reads_back_as_its_configuration()
    {
        var data = TrainingFixtures.SyntheticData();
        var config = TrainingFixtures.SmallConfig(rounds: 1) with { Gradient = GradientKind.Exact, Optimizer = OptimizerKind.Adam };
        using var directory = new TemporaryDirectory();

        var settings = TrainingFixtures.Settings(directory.Path);
        await TrainingFixtures.Run(config, data, settings);

        var written = RunDirectory.ReadConfig(directory.Path);
        Assert.Equal(new RunConfigFile(config, "synthetic", written.RunId, RecordedSettings.Of(settings)), written);
        Assert.NotNull(written.RunId);
    }

    [Fact]
    public void A_config_json_written_before_the_decoder_learning_rate_scale_reads_with_the_one_rate_it_trained_at()
    {
        var config = ReadConfigJsonWithout(TrainingFixtures.SmallConfig() with { DecoderLearningRateScale = 3 }, "decoder_learning_rate_scale");

        Assert.Equal(1, config.DecoderLearningRateScale);
    }

    [Fact]
    public void A_config_json_written_before_the_learning_rate_schedule_reads_with_the_constant_rate_it_trained_at()
    {
        var config = ReadConfigJsonWithout(TrainingFixtures.SmallConfig() with { LearningRateSchedule = LearningRateSchedule.Inverse }, "learning_rate_schedule");

        Assert.Equal(LearningRateSchedule.Constant, config.LearningRateSchedule);
    }

    /// <summary>Writes <paramref name="config"/> as config.json, removes one entry, as an earlier version would have lacked it, and reads it back.</summary>
    private static TrainingConfig ReadConfigJsonWithout(TrainingConfig config, string entry)
    {
        using var directory = new TemporaryDirectory();
        RunDirectory.WriteConfig(directory.Path, new RunConfigFile(config, "synthetic", null, null));
        var path = Path.Combine(directory.Path, RunDirectory.ConfigFileName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(json.Remove(entry));
        File.WriteAllText(path, json.ToJsonString());
        return RunDirectory.ReadConfig(directory.Path).Config;
    }

    [Fact]
    public async Task A_stored_model_must_match_the_size_of_the_data()
    {
        var data = TrainingFixtures.SyntheticData();
        var config = TrainingFixtures.SmallConfig(rounds: 2);
        using var directory = new TemporaryDirectory();
        await TrainingFixtures.Run(config, data, TrainingFixtures.Settings(directory.Path));
        var smaller = DataSetLoader.StandardSplit(TestImages.Vectors(20, 5, 1, _ => 0.5), "five pixels", "synthetic");

        var error = Assert.Throws<ArgumentException>(() => RunPlan.Prepare(config, smaller, TrainingFixtures.Settings(directory.Path)));

        Assert.Contains("N = 36", error.Message);
    }
}
