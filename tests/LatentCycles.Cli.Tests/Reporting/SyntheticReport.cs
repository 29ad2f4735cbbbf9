using LatentCycles.Cli.Reporting;
using LatentCycles.Core.Data;
using LatentCycles.Core.Observables;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Tests.Reporting;

/// <summary>
/// A small experiment made up in code: three models × two seeds with smooth metric curves, a K-state cyclic kernel for
/// the nonequilibrium runs and a reversible one for the RBM, and random 28×28 images as samples and test digits.
/// </summary>
internal static class SyntheticReport
{
    public static readonly string[] Models = ["neq two-step", "neq exact", RunNaming.RbmModel];

    public static ExperimentReport Build(int k = 3, int rounds = 120, ulong[]? seeds = null)
    {
        seeds ??= [1, 2];
        var random = new System.Random(7);
        var runs = new List<RunRecord>();
        foreach (var model in Models)
            foreach (var seed in seeds)
            {
                var equilibrium = RunNaming.IsEquilibrium(model);
                var drift = 0.15 * (int)seed;
                var rows = new List<MetricsRow>();
                for (var round = 0; round < rounds; round++)
                {
                    var progress = 1 - Math.Exp(-round / (rounds / 4.0));
                    var ll = -200 + (equilibrium ? 60 : 75 + 5 * drift) * progress + random.NextDouble() * 2;
                    double? test = round % 20 == 19 ? ll - 3 : null;
                    rows.Add(new MetricsRow(round + 1, ll, equilibrium ? 0.002 * random.NextDouble() : (0.3 + drift) * progress,
                        0.9 - (equilibrium ? 0.1 : 0.35) * progress, equilibrium ? 0.001 : 0.05 * progress,
                        TestLogLikelihood: test is { } t ? new LikelihoodEstimate(t, 0.2) : null, ChainStepsPerSecond: 4e5));
                }
                var kernel = equilibrium ? ReversibleKernel(k) : CyclicKernel(k, 0.1 + drift / 2);
                var final = new RunEvaluation(rounds, rows[^1].MinibatchLogLikelihood - 3, 0.15, kernel,
                    NonequilibriumObservables.Compute(kernel), equilibrium ? 0.4 : 0.1 + drift / 3, RandomImages(64, (int)seed));
                runs.Add(new RunRecord(model, seed, rows, final, 30 + 10 * (double)seed));
            }
        var ceilings = seeds.Select(s => new CeilingRecord(s, -118 + 0.1 * s, -121 + 0.1 * s)).ToList();
        return new ExperimentReport("Synthetic comparison", $"Made-up data: K = {k}, {rounds} rounds, {seeds.Length} seeds.",
            runs, ceilings, RandomImages(64, 99));
    }

    /// <summary>M(z → z+1) dominant: a latent cycle 0 → 1 → … → 0 whose affinity grows with <paramref name="bias"/> (below 0.3).</summary>
    public static LatentKernel CyclicKernel(int k, double bias)
    {
        var values = new double[k * k];
        for (var z = 0; z < k; z++)
        {
            values[z * k + z] = 0.4;
            values[z * k + (z + 1) % k] += 0.3 + bias;
            values[z * k + (z + k - 1) % k] += 0.3 - bias;
            var rest = 1 - values.Skip(z * k).Take(k).Sum();
            values[z * k + (z + 2) % k] += rest;
        }
        return new LatentKernel(k, values);
    }

    /// <summary>A symmetric kernel: detailed balance with uniform π, so every current is zero.</summary>
    public static LatentKernel ReversibleKernel(int k)
    {
        var values = new double[k * k];
        for (var z = 0; z < k; z++)
            for (var j = 0; j < k; j++)
                values[z * k + j] = z == j ? 0.6 : 0.4 / (k - 1);
        return new LatentKernel(k, values);
    }

    /// <summary>Rings of ink on 28×28 images, different per seed: enough structure to see in a grid.</summary>
    public static BinaryImages RandomImages(int count, int seed)
    {
        var random = new CounterRandom((ulong)seed, StreamPurpose.Sampling, 0, 0, 0);
        var rings = Enumerable.Range(0, count)
            .Select(_ => (X: 8 + random.NextDouble() * 12, Y: 8 + random.NextDouble() * 12, Radius: 4 + random.NextDouble() * 5))
            .ToArray();
        return TestImages.Draw(count, 28, 28, (ulong)seed, (j, i) =>
        {
            var (x, y, radius) = rings[j];
            double dr = i / 28 - y, dc = i % 28 - x;
            return Math.Abs(Math.Sqrt(dr * dr + dc * dc) - radius) < 1.5 ? 0.9 : 0;
        }, Enumerable.Range(0, count).Select(j => j % 10).ToArray());
    }
}
