using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Tests;

/// <summary>A tiny synthetic data set, small configurations with several blocks, and run-directory helpers.</summary>
internal static class TrainingFixtures
{
    /// <summary>
    /// 6×6 images drawn around four prototypes (a row band, a column band, a diagonal, a ring) with 10 % flipped pixels:
    /// structure a K = 4 model can pick up within a few rounds. Every fifth image is in the test set.
    /// </summary>
    public static DataSplit SyntheticData(int count = 200)
    {
        const int side = 6;
        var images = TestImages.Draw(count, side, side, 17, (j, i) =>
        {
            int row = i / side, column = i % side;
            var on = (j % 4) switch
            {
                0 => row is 2 or 3,
                1 => column is 2 or 3,
                2 => row == column,
                _ => row is 0 or side - 1 || column is 0 or side - 1,
            };
            return on ? 0.9 : 0.1;
        });
        return DataSetLoader.StandardSplit(images, "synthetic", "synthetic");
    }

    /// <summary>K = 4, 50 chains in blocks of 8 (the last one short), two sweeps per round, seed 5.</summary>
    public static TrainingConfig SmallConfig(int rounds = 10) => new()
    {
        K = 4,
        Chains = 50,
        BlockSize = 8,
        Sweeps = 2,
        Rounds = rounds,
        MinibatchSize = 40,
        LearningRate = 0.01,
        Seed = 5,
    };

    public static RunSettings Settings(string directory, int threads = 2) => new()
    {
        RunDirectory = directory,
        Threads = threads,
        CheckpointEvery = 3,
        EvaluateEvery = 4,
    };

    public static async Task<RunResult> Run(TrainingConfig config, DataSplit data, RunSettings settings,
        Action<MetricsRow>? onProgress = null, CancellationToken stop = default) =>
        await TrainingRunner.RunAsync(RunPlan.Prepare(config, data, settings), onProgress ?? (_ => { }), stop).WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>
    /// Runs <paramref name="config"/> (by default <see cref="SmallConfig"/>) once uninterrupted, once stopped mid-run and resumed (checkpoints in
    /// <paramref name="store"/>, or run.db), and asserts both end bit-identical. Returns the resumed run's settings.
    /// The stop is asked for at row 2, the last row before the first checkpoint and evaluation that rounds may run
    /// ahead of; the run stops after the round in flight then, round 3.
    /// </summary>
    public static async Task<RunSettings> AssertStoppedRunResumesBitIdentical(TemporaryDirectory directory, string? store,
        TrainingConfig? config = null)
    {
        var data = SyntheticData();
        var start = TrainingState.Start(config ?? SmallConfig(), data.Train);
        var uninterrupted = await Run(start.Config, data, Settings(directory.Combine("whole")));
        var settings = Settings(directory.Combine("resumed"), threads: 3) with { Store = store };
        using var stop = new CancellationTokenSource();

        var stopped = await Run(start.Config, data, settings, row => { if (row.Round == 2) stop.Cancel(); }, stop.Token);
        var resumed = await Run(start.Config, data, settings);

        Assert.Equal(RunOutcome.Stopped, stopped.Outcome);
        Assert.InRange(stopped.State.Round, 2, 9);
        Assert.Equal(RunOutcome.Finished, resumed.Outcome);
        AssertBitIdentical(uninterrupted.State, resumed.State);
        return settings;
    }

    /// <summary>Asserts two states are equal bit for bit: round, every double of W, b, L and the optimizer moments, every chain state.</summary>
    public static void AssertBitIdentical(TrainingState expected, TrainingState actual)
    {
        Assert.Equal(expected.Round, actual.Round);
        AssertBits(expected.Parameters.Values, actual.Parameters.Values);
        Assert.Equal(expected.Optimizer.Steps, actual.Optimizer.Steps);
        AssertBits(expected.Optimizer.FirstMoment, actual.Optimizer.FirstMoment);
        AssertBits(expected.Optimizer.SecondMoment, actual.Optimizer.SecondMoment);
        Assert.Equal(expected.ChainStates, actual.ChainStates);
    }

    public static void AssertBits(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var j = 0; j < expected.Length; j++)
            if (BitConverter.DoubleToInt64Bits(expected[j]) != BitConverter.DoubleToInt64Bits(actual[j]))
                Assert.Fail($"element {j}: expected {expected[j]:R}, got {actual[j]:R}");
    }
}
