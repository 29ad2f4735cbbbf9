using LatentCycles.Core.Model;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

public class OptimizerTests
{
    /// <summary>The step runs four parameters at a time; it must give the bits of the plain loop, written out here.</summary>
    [Theory]
    [InlineData(OptimizerKind.RmsProp, 1)]
    [InlineData(OptimizerKind.RmsProp, 7850)]
    [InlineData(OptimizerKind.Adam, 1)]
    [InlineData(OptimizerKind.Adam, 7850)]
    public void A_step_gives_the_bits_of_the_plain_loop(OptimizerKind kind, int length)
    {
        var rng = new CounterRandom(8, StreamPurpose.Initialization, (uint)length, 0, 0);
        double[] Draw(double scale) => Enumerable.Range(0, length).Select(_ => scale * rng.NextGaussian()).ToArray();
        var theta = Draw(1);
        var gradient = Draw(3);
        var rates = Draw(0.01).Select(Math.Abs).ToArray();
        var state = new OptimizerState(41, Draw(0.5), Draw(2).Select(x => x * x).ToArray());
        var next = new double[length];

        var after = state.Step(kind, rates, theta, gradient, next);

        const double epsilon = 1e-8;
        var t = state.Steps + 1;
        for (var j = 0; j < length; j++)
        {
            double v, expected;
            if (kind == OptimizerKind.RmsProp)
            {
                v = 0.9 * state.SecondMoment[j] + 0.1 * gradient[j] * gradient[j];
                expected = theta[j] + rates[j] * gradient[j] / (Math.Sqrt(v) + epsilon);
            }
            else
            {
                var m = 0.9 * state.FirstMoment[j] + (1 - 0.9) * gradient[j];
                v = 0.999 * state.SecondMoment[j] + (1 - 0.999) * gradient[j] * gradient[j];
                expected = theta[j] + rates[j] * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + epsilon);
                Assert.Equal(m, after.FirstMoment[j]);
            }
            Assert.Equal(v, after.SecondMoment[j]);
            Assert.Equal(expected, next[j]);
        }
    }

    [Theory]
    [InlineData(OptimizerKind.RmsProp)]
    [InlineData(OptimizerKind.Adam)]
    public void A_step_writes_the_next_parameters_and_leaves_the_state_it_started_from_unchanged(OptimizerKind kind)
    {
        var rng = new CounterRandom(5, StreamPurpose.Initialization, 0, 0, 0);
        var theta = Enumerable.Range(0, 12).Select(_ => rng.NextGaussian()).ToArray();
        var gradient = Enumerable.Range(0, 12).Select(_ => rng.NextGaussian()).ToArray();
        var state = new OptimizerState(theta.Length);
        var before = (Theta: (double[])theta.Clone(), First: (double[])state.FirstMoment.Clone(), Second: (double[])state.SecondMoment.Clone());
        var next = new double[theta.Length];

        var after = state.Step(kind, Enumerable.Repeat(0.01, theta.Length).ToArray(), theta, gradient, next);

        Assert.Equal(before.Theta, theta);
        Assert.Equal(before.First, state.FirstMoment);
        Assert.Equal(before.Second, state.SecondMoment);
        Assert.Equal(1, after.Steps);
        // A first step from zero moments moves every parameter along its gradient.
        for (var j = 0; j < theta.Length; j++)
            Assert.Equal(Math.Sign(gradient[j]), Math.Sign(next[j] - theta[j]));
    }

    [Fact]
    public void The_decoder_moves_at_the_scaled_learning_rate_and_the_encoder_at_the_learning_rate()
    {
        var config = new TrainingConfig { K = 3, LearningRate = 0.01, DecoderLearningRateScale = 2.5 };
        var layout = new ParameterLayout(3, 5);
        var rates = config.LearningRates(5, round: 0);
        Assert.All(layout.W(rates.AsSpan()).ToArray().Concat(layout.B(rates.AsSpan()).ToArray()), r => Assert.Equal(0.01, r));
        Assert.All(layout.L(rates.AsSpan()).ToArray(), r => Assert.Equal(0.025, r));

        // The first RMSprop step from zero moments moves every parameter by lr/√0.1 whatever its gradient's size (ε aside).
        var theta = new double[layout.Length];
        var gradient = Enumerable.Range(0, layout.Length).Select(j => 1.0 + j).ToArray();
        var next = new double[layout.Length];
        new OptimizerState(layout.Length).Step(OptimizerKind.RmsProp, rates, theta, gradient, next);
        for (var j = 0; j < next.Length; j++) Assert.Equal(rates[j] / Math.Sqrt(0.1), next[j], 6);
    }

    /// <summary>
    /// The round's step takes the two rates of the blocks instead of a vector of rates: the same bits, also where a group
    /// of four parameters straddles the start of L (K 3, N 5: L starts at 18; K 10, N 784: at 7,850).
    /// </summary>
    [Theory]
    [InlineData(OptimizerKind.RmsProp, 3, 5)]
    [InlineData(OptimizerKind.Adam, 3, 5)]
    [InlineData(OptimizerKind.Adam, 10, 784)]
    public void A_step_with_the_rates_of_the_blocks_gives_the_bits_of_the_step_with_a_rate_per_parameter(OptimizerKind kind, int k, int n)
    {
        var layout = new ParameterLayout(k, n);
        var config = new TrainingConfig { K = k, LearningRate = 0.003, DecoderLearningRateScale = 3 };
        var rng = new CounterRandom(9, StreamPurpose.Initialization, (uint)k, 0, 0);
        double[] Draw(double scale) => Enumerable.Range(0, layout.Length).Select(_ => scale * rng.NextGaussian()).ToArray();
        var theta = Draw(1);
        var gradient = Draw(3);
        var state = new OptimizerState(17, Draw(0.5), Draw(2).Select(x => x * x).ToArray());
        var byParameter = new double[layout.Length];
        var byBlock = new double[layout.Length];

        var expected = state.Step(kind, config.LearningRates(n, round: 40), theta, gradient, byParameter);
        var actual = state.Step(kind, config.BlockLearningRates(round: 40), layout, theta, gradient, byBlock);

        Assert.Equal(byParameter, byBlock);
        Assert.Equal(expected.FirstMoment, actual.FirstMoment);
        Assert.Equal(expected.SecondMoment, actual.SecondMoment);
        Assert.Equal(expected.Steps, actual.Steps);
    }

    [Theory]
    [InlineData("constant", 0, 1.0)]
    [InlineData("constant", 1999, 1.0)]
    [InlineData("inverse-sqrt", 0, 1.0)]
    [InlineData("inverse-sqrt", 600, 0.5)]
    [InlineData("inverse-sqrt", 2000, 0.30151134457776363)]
    [InlineData("inverse", 200, 0.5)]
    [InlineData("inverse", 1800, 0.1)]
    public void A_schedule_multiplies_every_rate_by_its_factor_at_the_round(string schedule, int round, double factor)
    {
        var config = new TrainingConfig
        {
            K = 3, LearningRate = 0.01, DecoderLearningRateScale = 2.5,
            LearningRateSchedule = ConfigurationText.LearningRateSchedules[schedule], LearningRateTimeConstant = 200,
        };
        var layout = new ParameterLayout(3, 5);
        var rates = config.LearningRates(5, round);
        Assert.All(layout.W(rates.AsSpan()).ToArray().Concat(layout.B(rates.AsSpan()).ToArray()), r => Assert.Equal(0.01 * factor, r, 15));
        Assert.All(layout.L(rates.AsSpan()).ToArray(), r => Assert.Equal(0.025 * factor, r, 15));
    }

    [Fact]
    public void Tying_sets_the_encoder_to_the_transposed_decoder_in_place()
    {
        var p = RandomModels.Parameters(3, 5, 8, 1.0);
        var values = p.Values;
        p.TieEncoderToDecoder();
        Assert.Same(values, p.Values);
        for (var i = 0; i < 5; i++)
            for (var z = 0; z < 3; z++)
                Assert.Equal(p.L[i * 3 + z], p.W[z * 5 + i]);
    }
}
