using System.CommandLine;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Observables;
using LatentCycles.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles export DIR</c>: a checkpoint's model as an .npz (default DIR/model.npz), readable by
/// <c>numpy.load</c>: float64 arrays W (K×N), b (K), L (N×K), the latent kernel M (K×K) with its stationary π (K) from
/// a fresh estimate (MODEL.md §2), and what identifies the model: <c>round</c> (int64), <c>config</c> (the run's
/// config.json as a string) and <c>parameters_sha256</c> (of W, b, L, as <c>eval</c> prints it).
/// </summary>
internal static class ExportCommand
{
    public const string FileName = "model.npz";

    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Run directory" };
        var round = CheckpointOptions.Round();
        var store = CheckpointOptions.Store();
        var output = new Option<string?>("--out") { Description = $"The .npz file to write [default: DIR/{FileName}]" };
        var force = CommandConventions.ForceOption();
        var json = CommandConventions.JsonOption();
        var command = new Command("export", $"Write a run's model to DIR/{FileName} for NumPy") { directory, round, store, output, force, json };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(directory)!;
            var (_, dataReference) = RunAccess.ReadConfig(path);
            var state = RunAccess.LoadState(path, parseResult.GetValue(round), parseResult.GetValue(store));
            var replace = parseResult.GetValue(force);
            var file = OutputFile.Claim(parseResult.GetValue(output) ?? Path.Combine(path, FileName), replace);
            var p = state.Parameters;
            var kernel = ModelEvaluator.EstimateKernel(p, state.Config.Seed, (uint)state.Round).Kernel;
            var pi = StationaryDistribution.Solve(kernel);
            var hash = RunAccess.ParametersSha256(p);
            OutputFile.Write(file, replace, stream => NpzWriter.Write(stream,
            [
                NpyArray.Float64("W", [p.K, p.N], p.W),
                NpyArray.Float64("b", [p.K], p.B),
                NpyArray.Float64("L", [p.N, p.K], p.L),
                NpyArray.Float64("pi", [p.K], pi),
                NpyArray.Float64("M", [p.K, p.K], kernel.Values),
                NpyArray.Int64("round", state.Round),
                NpyArray.Text("config", RunDirectory.ConfigJson(state.Config, dataReference)),
                NpyArray.Text("parameters_sha256", hash),
            ]));
            var console = parseResult.InvocationConfiguration.Output;
            console.WriteLine($"wrote the model of round {state.Round} (K = {p.K}, N = {p.N}) to {file}");
            if (parseResult.GetValue(json))
                CommandConventions.WriteJsonLine(console, new { NpzPath = file, Round = state.Round, ParametersSha256 = hash });
            return 0;
        });
        return command;
    }
}
