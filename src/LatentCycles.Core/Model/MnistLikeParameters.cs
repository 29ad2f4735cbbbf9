namespace LatentCycles.Core.Model;

/// <summary>Model parameters for benchmarks and tests of the chain sweep, without training a model first.</summary>
public static class MnistLikeParameters
{
    /// <summary>
    /// Parameters shaped like a model early in training on MNIST: pixel means of a blurred blob centred in a
    /// √N×√N image, about 13 % of pixels on, with decoder logits from those means plus noise (as
    /// <see cref="ModelParameters.Initialize(int, double[], ulong, double, double, double)"/> does) and small encoder weights.
    /// </summary>
    public static ModelParameters Create(int k, int n, ulong seed)
    {
        var side = (int)Math.Ceiling(Math.Sqrt(n));
        var means = new double[n];
        for (var i = 0; i < n; i++)
        {
            var row = (i / side + 0.5) / side * 2 - 1;
            var column = (i % side + 0.5) / side * 2 - 1;
            means[i] = 0.55 * Math.Exp(-(row * row + column * column) / (2 * 0.36 * 0.36));
        }
        return ModelParameters.Initialize(k, means, seed, encoderNoise: 0.1, decoderNoise: 1.0, decoderSmoothing: 1e-3);
    }
}
