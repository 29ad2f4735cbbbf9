using System.CommandLine;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Observables;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles export DIR</c>: a checkpoint's model as DIR/model.npz, readable by <c>numpy.load</c>: float64 arrays
/// W (K×N), b (K), L (N×K), and the latent kernel M (K×K) with its stationary π (K) from a fresh estimate (MODEL.md §2).
/// </summary>
internal static class ExportCommand
{
    public const string FileName = "model.npz";

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Run directory" };
        var round = CheckpointOptions.Round();
        var store = CheckpointOptions.Store();
        var json = CommandConventions.JsonOption();
        var command = new Command("export", $"Write a run's model to DIR/{FileName} for NumPy") { directory, round, store, json };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var state = RunAccess.LoadState(path, parseResult.GetValue(round), parseResult.GetValue(store));
            var p = state.Parameters;
            var kernel = ModelEvaluator.EstimateKernel(p, state.Config.Seed, (uint)state.Round).Kernel;
            var pi = StationaryDistribution.Solve(kernel);
            var file = Path.GetFullPath(Path.Combine(path, FileName));
            NpzWriter.Write(file,
            [
                ("W", [p.K, p.N], p.W),
                ("b", [p.K], p.B),
                ("L", [p.N, p.K], p.L),
                ("pi", [p.K], pi),
                ("M", [p.K, p.K], kernel.Values),
            ]);
            var console = parseResult.InvocationConfiguration.Output;
            console.WriteLine($"wrote the model of round {state.Round} (K = {p.K}, N = {p.N}) to {file}");
            if (parseResult.GetValue(json))
                CommandConventions.WriteJsonLine(console, new { NpzPath = file, Round = state.Round, ParametersSha256 = RunAccess.ParametersSha256(p) });
            return 0;
        });
        return command;
    }
}
