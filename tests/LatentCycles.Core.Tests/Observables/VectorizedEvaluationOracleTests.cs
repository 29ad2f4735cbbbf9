using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Observables;

/// <summary>
/// The fresh-sample kernel estimate draws x with the chain sweep's vector code, and the data phase and likelihoods sum
/// over active pixels only: both must give the bits of the plain loops they replace, written out here.
/// </summary>
public class VectorizedEvaluationOracleTests
{
    [Theory]
    [InlineData(3, 5)]
    [InlineData(10, 784)]
    [InlineData(17, 787)]
    public void Kernel_estimate_equals_drawing_each_word_in_turn(int k, int n)
    {
        var parameters = new ModelParameters(k, n);
        var rng = new CounterRandom(9, StreamPurpose.Initialization, (uint)k, (uint)n, 0);
        var decoderStart = parameters.Length - parameters.L.Length;
        for (var j = 0; j < parameters.Length; j++) parameters.Values[j] = 0.7 * rng.NextGaussian() - (j >= decoderStart ? 1.5 : 0);
        const int draws = 40, batches = 4;
        var estimate = ModelEvaluator.EstimateKernel(parameters, seed: 21, round: 6, draws, batches);

        var prepared = new PreparedParameters(parameters);
        for (var b = 0; b < batches; b++)
        {
            var weights = new double[k * k];
            for (var z = 0; z < k; z++)
            {
                var stream = new CounterRandom(21, StreamPurpose.Evaluation, (uint)(z * batches + b), 6, 0);
                var row = DrawnProbabilitySums(prepared, z, draws / batches, ref stream);
                row.CopyTo(weights, z * k);
            }
            Assert.Equal(LatentKernel.FromRowWeights(weights, k).Values, estimate.BatchKernels[b].Values);
        }
    }

    /// <summary>
    /// A small minibatch with repeats, and full-size ones over many images and pixels; K = 10, 12 and 13 take the rows of
    /// sixteen where 512-bit vectors are fast (else K = 10 and 12 the rows of twelve), K = 6 the general width.
    /// </summary>
    [Theory]
    [InlineData(30, 50, 7, 6)]
    [InlineData(400, 300, 500, 6)]
    [InlineData(400, 300, 500, 10)]
    [InlineData(60, 70, 40, 12)]
    [InlineData(60, 70, 40, 13)]
    public void Data_phase_on_minibatch_indices_or_their_pixels_in_one_piece_equals_the_dense_loops_on_the_copied_images(int imageCount, int n, int batchSize, int k)
    {
        var rng = new CounterRandom(4, StreamPurpose.Minibatch, 0, 0, 0);
        var images = TestImages.Vectors(imageCount, n, 4, _ => 0.2);
        var parameters = new ModelParameters(k, n);
        for (var j = 0; j < parameters.L.Length; j++) parameters.L[j] = rng.NextGaussian() - 1;
        var pi = Enumerable.Range(0, k).Select(z => (z % 4 + 1.0) / Enumerable.Range(0, k).Sum(y => y % 4 + 1.0)).ToArray();
        var minibatch = Enumerable.Range(0, batchSize).Select(_ => rng.NextInt(imageCount)).ToArray();

        var phase = GradientEstimator.ComputeDataPhase(parameters, images, minibatch, pi);
        var (gradL, rho, meanLogLikelihood) = DenseDataPhase(parameters, images.Select(minibatch), pi);

        Assert.Equal(gradL, phase.GradientL);
        Assert.Equal(rho, phase.Rho);
        Assert.Equal(meanLogLikelihood, phase.MeanLogLikelihood);

        // The round's way: the minibatch's pixels copied into one piece, then the same phase from them.
        var selected = images.Active.Select(minibatch);
        Assert.Equal(minibatch.Length, selected.Count);
        for (var j = 0; j < minibatch.Length; j++) Assert.Equal(images.Active.ForImage(minibatch[j]).ToArray(), selected.ForImage(j).ToArray());
        var components = MixtureLikelihood.ComponentLogDensities(selected, n, parameters.L, k);
        Assert.Equal(MixtureLikelihood.ComponentLogDensities(images, minibatch, parameters.L, k), components);
        var fromSelected = GradientEstimator.ComputeDataPhase(parameters, selected, pi, null, components);
        Assert.Equal(gradL, fromSelected.GradientL);
        Assert.Equal(rho, fromSelected.Rho);
        Assert.Equal(meanLogLikelihood, fromSelected.MeanLogLikelihood);
    }

    private static double[] DrawnProbabilitySums(PreparedParameters prepared, int z, int draws, ref CounterRandom stream)
    {
        int k = prepared.K, n = prepared.N;
        var sum = new double[k];
        var logits = new double[k];
        var p = new double[k];
        var pixels = new bool[n];
        for (var d = 0; d < draws; d++)
        {
            var blocks = PreparedParameters.PixelBlockCount(n);
            var words = new uint[blocks * 4];
            for (var block = 0; block < blocks; block++)
                stream.NextBlock(out words[4 * block], out words[4 * block + 1], out words[4 * block + 2], out words[4 * block + 3]);
            prepared.Parameters.B.CopyTo(logits);
            for (var block = 0; block < blocks; block++)
                for (var word = 0; word < 4; word++)
                    for (var half = 0; half < 2; half++)
                    {
                        var i = PreparedParameters.PixelOf(block, word, half);
                        if (i < n && (ushort)(words[4 * block + word] >> (16 * half)) < PreparedParameters.SampleThreshold(prepared.Parameters.L[i * k + z]))
                            pixels[i] = true;
                    }
            for (var i = 0; i < n; i++)
                if (pixels[i])
                    for (var j = 0; j < k; j++) logits[j] += prepared.EncoderRows[i * k + j];
            Array.Clear(pixels);
            Logistic.Softmax(logits, p);
            for (var j = 0; j < k; j++) sum[j] += p[j];
        }
        return sum;
    }

    private static (double[] GradL, double[] Rho, double MeanLogLikelihood) DenseDataPhase(ModelParameters parameters, BinaryImages batch, double[] pi)
    {
        int k = parameters.K, n = parameters.N;
        var baseLog = new double[k];
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++) baseLog[z] -= Logistic.Softplus(parameters.L[i * k + z]);
        var responsibilitySum = new double[k];
        var weighted = new double[n * k];
        var r = new double[k];
        var llSum = 0.0;
        for (var j = 0; j < batch.Count; j++)
        {
            var image = batch.Image(j);
            var comp = (double[])baseLog.Clone();
            for (var i = 0; i < n; i++)
                if (image[i] != 0)
                    for (var z = 0; z < k; z++) comp[z] += parameters.L[i * k + z];
            for (var z = 0; z < k; z++) r[z] = (pi[z] > 0 ? Math.Log(pi[z]) : double.NegativeInfinity) + comp[z];
            var logP = Logistic.LogSumExp(r);
            llSum += logP;
            for (var z = 0; z < k; z++)
            {
                r[z] = Logistic.Exp(r[z] - logP);
                responsibilitySum[z] += r[z];
            }
            for (var i = 0; i < n; i++)
                if (image[i] != 0)
                    for (var z = 0; z < k; z++) weighted[i * k + z] += r[z];
        }
        var inv = 1.0 / batch.Count;
        var gradL = new double[n * k];
        for (var i = 0; i < n; i++)
            for (var z = 0; z < k; z++)
                gradL[i * k + z] = (weighted[i * k + z] - responsibilitySum[z] * Logistic.Sigmoid(parameters.L[i * k + z])) * inv;
        var rho = new double[k];
        for (var z = 0; z < k; z++) rho[z] = responsibilitySum[z] * inv;
        return (gradL, rho, llSum * inv);
    }
}
