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
        };
        Assert.Equal(config, TrainingStateCodec.DecodeConfig(TrainingStateCodec.EncodeConfig(config)));
    }

    [Theory]
    [InlineData("LCCONFG1")]
    [InlineData("LCCONFG2")]
    public void A_configuration_of_an_earlier_format_is_refused_with_one_line_that_says_why(string magic)
    {
        var bytes = TrainingStateCodec.EncodeConfig(new TrainingConfig());
        Encoding.ASCII.GetBytes(magic).CopyTo(bytes, 0);
        var error = Assert.Throws<CheckpointFormatException>(() => TrainingStateCodec.DecodeConfig(bytes));
        Assert.Contains("earlier version", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
