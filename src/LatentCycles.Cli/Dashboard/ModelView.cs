using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Model;
using LatentCycles.Core.Observables;

namespace LatentCycles.Cli.Dashboard;

/// <summary>A cycle of the current graph with its affinity in nats (null: infinite).</summary>
internal sealed record CycleView(int[] Nodes, double? AffinityNats);

/// <summary>
/// What the dashboard draws of one model: a fresh-sample estimate of the latent kernel M (MODEL.md §2) with its π,
/// currents J and σ (§4), and generated images (§5) ordered by the latent state they were drawn from.
/// </summary>
/// <param name="Round">Rounds completed by the parameters shown.</param>
/// <param name="Kernel">M, K×K row-major.</param>
/// <param name="Currents">J(z, z′) = π(z)M(z, z′) − π(z′)M(z′, z), K×K row-major.</param>
/// <param name="EntropyProductionNats">σ in nats per latent step; null when undefined.</param>
/// <param name="Samples">One string of '0' and '1' per image, row-major, ink = '1'.</param>
/// <param name="SampleStates">The latent state of each image, in the order of <paramref name="Samples"/> (ascending).</param>
internal sealed record ModelView(
    int Round,
    int K,
    double[] Pi,
    double[] Kernel,
    double[] Currents,
    double? EntropyProductionNats,
    double SelfTransition,
    IReadOnlyList<CycleView> Cycles,
    int ImageRows,
    int ImageColumns,
    IReadOnlyList<string> Samples,
    IReadOnlyList<int> SampleStates)
{
    public const int SampleCount = 64;

    public static ModelView Compute(ModelParameters parameters, ulong seed, int round)
    {
        var kernel = ModelEvaluator.EstimateKernel(parameters, seed, (uint)round).Kernel;
        var observables = NonequilibriumObservables.Compute(kernel);
        var (images, states) = ModelSampler.SampleWithStates(parameters, SampleCount, seed);
        var order = Enumerable.Range(0, images.Count).OrderBy(j => states[j]).ThenBy(j => j).ToArray();
        return new ModelView(
            round, parameters.K, observables.StationaryDistribution, kernel.Values, observables.Currents,
            observables.EntropyProduction, observables.MeanSelfTransition,
            observables.StrongestTriangles.Select(t => new CycleView(t.Nodes, t.Affinity)).ToList(),
            images.Rows, images.Columns,
            order.Select(j => string.Concat(images.Image(j).ToArray().Select(b => b == 0 ? '0' : '1'))).ToList(),
            order.Select(j => (int)states[j]).ToList());
    }
}
