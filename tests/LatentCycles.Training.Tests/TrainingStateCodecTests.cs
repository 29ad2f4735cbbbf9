using System.Text;
using LatentCycles.Core.Training;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.Tests;

public class TrainingStateCodecTests
{
    [Fact]
    public void Configuration_round_trips_with_its_baseline_initialization_and_learning_rate_settings()
    {
        var config = new TrainingConfig
        {
            Baseline = BaselineKind.OptimalPerBlock, InitNoise = 0.25, DecoderSmoothing = 0.5, DecoderLearningRateScale = 1.5,
            LearningRateSchedule = LearningRateSchedule.Inverse, LearningRateTimeConstant = 75,
        };
        Assert.Equal(config, TrainingStateCodec.DecodeConfig(TrainingStateCodec.EncodeConfig(config)));
    }

    [Fact]
    public void A_configuration_of_format_1_is_refused_with_one_line_that_says_why()
    {
        var bytes = TrainingStateCodec.EncodeConfig(new TrainingConfig());
        Encoding.ASCII.GetBytes("LCCONFG1").CopyTo(bytes, 0);
        var error = Assert.Throws<CheckpointFormatException>(() => TrainingStateCodec.DecodeConfig(bytes));
        Assert.Contains("earlier version", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_configuration_of_format_2_reads_with_the_one_constant_learning_rate_it_was_trained_at()
    {
        var config = new TrainingConfig { Baseline = BaselineKind.Optimal, InitNoise = 0.25, DecoderLearningRateScale = 3 };
        var current = TrainingStateCodec.EncodeConfig(config with { LearningRateSchedule = LearningRateSchedule.InverseSqrt });
        // Format 2 is format 4 without the trailing decoder learning-rate scale, schedule and time constant.
        var formatTwo = current[..^(2 * sizeof(double) + sizeof(int))];
        Encoding.ASCII.GetBytes("LCCONFG2").CopyTo(formatTwo, 0);

        Assert.Equal(config with { DecoderLearningRateScale = 1, LearningRateSchedule = LearningRateSchedule.Constant },
            TrainingStateCodec.DecodeConfig(formatTwo));
    }

    [Fact]
    public void A_configuration_of_format_3_reads_with_the_constant_learning_rate_it_was_trained_at()
    {
        var config = new TrainingConfig { DecoderLearningRateScale = 2.5 };
        var current = TrainingStateCodec.EncodeConfig(config with { LearningRateSchedule = LearningRateSchedule.Inverse });
        // Format 3 is format 4 without the trailing schedule and time constant.
        var formatThree = current[..^(sizeof(double) + sizeof(int))];
        Encoding.ASCII.GetBytes("LCCONFG3").CopyTo(formatThree, 0);

        Assert.Equal(config with { LearningRateSchedule = LearningRateSchedule.Constant }, TrainingStateCodec.DecodeConfig(formatThree));
    }
}
