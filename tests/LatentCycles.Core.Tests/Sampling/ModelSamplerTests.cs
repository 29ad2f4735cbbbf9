using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Sampling;

public class ModelSamplerTests
{
    private static ModelParameters TinyModel()
    {
        const int k = 3, n = 4;
        var p = new ModelParameters(k, n);
        var rng = new CounterRandom(5, StreamPurpose.Initialization, 42, 0, 0);
        for (var j = 0; j < p.W.Length; j++) p.W[j] = 1.5 * rng.NextGaussian();
        for (var j = 0; j < p.B.Length; j++) p.B[j] = 0.5 * rng.NextGaussian();
        for (var j = 0; j < p.L.Length; j++) p.L[j] = 2.0 * rng.NextGaussian();
        return p;
    }

    [Fact]
    public void Sample_frequencies_match_the_exact_model_distribution()
    {
        var parameters = TinyModel();
        const int count = 20000;
        var images = ModelSampler.Sample(parameters, count, seed: 11, burnInSweeps: 30);
        var exact = new ExactModel(parameters);
        var states = 1 << parameters.N;
        var observed = new int[states];
        for (var j = 0; j < count; j++) observed[ExactModel.Pattern(images.Image(j))]++;

        // Pearson's χ² with 15 degrees of freedom: its 99.99th percentile is about 44.
        var chiSquare = 0.0;
        for (var x = 0; x < states; x++)
        {
            var expected = count * Math.Exp(exact.LogProbability(x));
            chiSquare += (observed[x] - expected) * (observed[x] - expected) / expected;
        }
        Assert.True(chiSquare < 44, $"χ² = {chiSquare:F1} over {states} patterns");
    }

    [Fact]
    public void Samples_are_deterministic_in_the_seed()
    {
        var parameters = TinyModel();
        var a = ModelSampler.Sample(parameters, 50, seed: 3, burnInSweeps: 5);
        var b = ModelSampler.Sample(parameters, 50, seed: 3, burnInSweeps: 5);
        var c = ModelSampler.Sample(parameters, 50, seed: 4, burnInSweeps: 5);
        var all = Enumerable.Range(0, 50);
        Assert.True(all.All(j => a.Image(j).SequenceEqual(b.Image(j))));
        Assert.False(all.All(j => a.Image(j).SequenceEqual(c.Image(j))));
    }

    [Fact]
    public void Square_pixel_counts_give_square_images()
    {
        var parameters = new ModelParameters(2, 16);
        var images = ModelSampler.Sample(parameters, 3, seed: 1, burnInSweeps: 30);
        Assert.Equal((4, 4), (images.Rows, images.Columns));
        Assert.Equal((1, 5), ModelSampler.ImageShape(5));
    }

    [Fact]
    public void Decoder_means_are_the_logistic_of_the_decoder_logits_per_state()
    {
        var parameters = TinyModel();
        var means = ModelSampler.DecoderMeans(parameters);
        var (k, n) = (parameters.K, parameters.N);
        Assert.Equal(k * n, means.Length);
        Assert.Equal(1 / (1 + Math.Exp(-parameters.L[2 * k + 1])), means[1 * n + 2], 15);
    }

    [Fact]
    public void A_count_below_one_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelSampler.Sample(TinyModel(), 0, seed: 1));
    }
}
