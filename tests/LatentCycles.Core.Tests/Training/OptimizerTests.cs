using LatentCycles.Core.Model;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

public class OptimizerTests
{
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

        var after = state.Step(kind, 0.01, theta, gradient, next);

        Assert.Equal(before.Theta, theta);
        Assert.Equal(before.First, state.FirstMoment);
        Assert.Equal(before.Second, state.SecondMoment);
        Assert.Equal(1, after.Steps);
        // A first step from zero moments moves every parameter along its gradient.
        for (var j = 0; j < theta.Length; j++)
            Assert.Equal(Math.Sign(gradient[j]), Math.Sign(next[j] - theta[j]));
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
