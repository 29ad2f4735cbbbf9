using System.CommandLine;
using System.Globalization;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Data;
using LatentCycles.Core.Random;
using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles bench</c>: chain steps per second (with full two-step statistics) on MNIST-like parameters,
/// for each requested number of threads; with <c>--gradient RUN</c>, the variance of every gradient estimator at one of
/// the run's checkpoints instead (<see cref="GradientVarianceStudy"/>).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var k = new Option<int>("--k") { Description = "Number of latent states K", DefaultValueFactory = _ => 10 };
        var pixels = new Option<int>("--pixels") { Description = "Number of pixels N", DefaultValueFactory = _ => 784 };
        var chains = new Option<int>("--chains") { Description = "Number of chains (in blocks of 256)", DefaultValueFactory = _ => 2048 };
        var threads = new Option<string>("--threads") { Description = "Comma-separated thread counts to measure", DefaultValueFactory = _ => "1,2" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per thread count", DefaultValueFactory = _ => 3.0 };
        var sweeps = new Option<int>("--sweeps") { Description = "Sweeps per chain per round", DefaultValueFactory = _ => 1 };
        var gradientRun = new Option<string?>("--gradient")
        {
            Description = "Run directory: measure the variance of the gradient estimators (two-step and exact, every baseline) at its checkpoint",
        };
        var round = new Option<int?>("--round") { Description = "With --gradient: the checkpoint at or before this round (default: the latest)" };
        var rounds = new Option<int>("--rounds") { Description = "With --gradient: rounds measured", DefaultValueFactory = _ => 200 };
        var burnIn = new Option<int>("--burn-in") { Description = "With --gradient: rounds run first on the frozen parameters", DefaultValueFactory = _ => 10 };
        var json = CommandConventions.JsonOption();

        var command = new Command("bench", "Measure chain steps per second on MNIST-like parameters, or the variance of the gradient estimators")
        {
            k, pixels, chains, threads, seconds, sweeps, gradientRun, round, rounds, burnIn, json,
        };
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(gradientRun) is { } runDirectory)
            {
                MeasureGradients(runDirectory, parseResult.GetValue(round), parseResult.GetValue(rounds), parseResult.GetValue(burnIn),
                    parseResult.GetValue(json), parseResult.InvocationConfiguration.Output);
                return 0;
            }
            var settings = new BenchSettings(
                parseResult.GetValue(k), parseResult.GetValue(pixels), parseResult.GetValue(chains),
                ParseThreadCounts(parseResult.GetValue(threads)), parseResult.GetValue(seconds), parseResult.GetValue(sweeps));
            settings.Validate();
            Run(settings, parseResult.GetValue(json), parseResult.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private sealed record BenchSettings(int K, int Pixels, int Chains, int[] Threads, double Seconds, int Sweeps)
    {
        public void Validate()
        {
            if (K < 2 || K > ModelParameters.MaxStates) throw new CliException($"--k must be between 2 and {ModelParameters.MaxStates}, got {K}");
            if (Pixels < 1) throw new CliException($"--pixels must be at least 1, got {Pixels}");
            if (Chains < 1) throw new CliException($"--chains must be at least 1, got {Chains}");
            if (!(Seconds > 0) || double.IsInfinity(Seconds)) throw new CliException($"--seconds must be a positive number, got {Seconds}");
            if (Sweeps < 1) throw new CliException($"--sweeps must be at least 1, got {Sweeps}");
        }
    }

    private static void MeasureGradients(string runDirectory, int? round, int rounds, int burnIn, bool json, TextWriter output)
    {
        if (rounds < 2) throw new CliException($"--rounds must be at least 2, got {rounds}");
        if (burnIn < 0) throw new CliException($"--burn-in must not be negative, got {burnIn}");
        var (_, dataReference) = RunAccess.ReadConfig(runDirectory);
        var state = RunAccess.LoadState(runDirectory, round);
        if (state.Config.Model != ModelKind.Neq) throw new CliException($"{runDirectory} trains the RBM; the gradient study is for the neq model");
        var split = DataSetLoader.Load(dataReference);
        if (split.Train.PixelCount != state.Parameters.N)
            throw new CliException($"{runDirectory}: the model has N = {state.Parameters.N} pixels but the data {dataReference} has {split.Train.PixelCount}");
        output.WriteLine($"gradient variance at round {state.Round} of {Path.GetFullPath(runDirectory)} ({split.Name}): " +
                         $"{state.Config.Chains} chains, minibatch {state.Config.MinibatchSize}, {rounds} rounds after {burnIn} of burn-in");
        var spreads = GradientVarianceStudy.Measure(state, split.Train, rounds, burnIn);
        output.WriteLine($"{"gradient",-9} {"baseline",-18} {"var W",11} {"var b",11} {"var L",11} {"var total",11} {"vs pi-mean",10} {"|mean|^2",11}");
        foreach (var s in spreads)
        {
            var reference = spreads.First(r => r.Gradient == s.Gradient && r.Baseline == BaselineKind.StationaryMean).Variance.All;
            output.WriteLine($"{GradientName(s.Gradient),-9} {BaselineName(s.Baseline),-18} {s.Variance.W,11:G4} {s.Variance.B,11:G4} {s.Variance.L,11:G4} " +
                             $"{s.Variance.All,11:G4} {s.Variance.All / reference,10:F3} {s.SquaredMean.All,11:G4}");
        }
        if (!json) return;
        CommandConventions.WriteJsonLine(output, new
        {
            Round = state.Round,
            Data = split.Name,
            Rounds = rounds,
            BurnIn = burnIn,
            Estimators = spreads.Select(s => new
            {
                Gradient = GradientName(s.Gradient),
                Baseline = BaselineName(s.Baseline),
                VarianceW = s.Variance.W,
                VarianceB = s.Variance.B,
                VarianceL = s.Variance.L,
                VarianceTotal = s.Variance.All,
                SquaredMeanTotal = s.SquaredMean.All,
            }).ToList(),
        });
    }

    private static string GradientName(GradientKind kind) => TrainCommand.Gradients.First(g => g.Value == kind).Key;

    private static string BaselineName(BaselineKind kind) => TrainCommand.Baselines.First(b => b.Value == kind).Key;

    private static int[] ParseThreadCounts(string? text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CliException("--threads needs at least one thread count, e.g. 1,2");
        var counts = new int[parts.Length];
        for (var j = 0; j < parts.Length; j++)
            if (!int.TryParse(parts[j], NumberStyles.None, CultureInfo.InvariantCulture, out counts[j]) || counts[j] < 1)
                throw new CliException($"--threads must be positive integers separated by commas, got '{text}'");
        return counts;
    }

    private static void Run(BenchSettings settings, bool json, TextWriter output)
    {
        output.WriteLine($"chain sweep: K = {settings.K}, N = {settings.Pixels}, {settings.Chains} chains, {settings.Sweeps} sweep(s) per round, " +
                         $"{(Philox4x32.IsEightLaneSupported ? "AVX2 8-lane" : "scalar")} path, {settings.Seconds:0.###} s per measurement");
        output.WriteLine($"{"threads",8} {"steps/s",14} {"steps/s/thread",16} {"steps/cpu-s",14}");
        var results = new List<ChainBenchmarkResult>();
        foreach (var threadCount in settings.Threads)
        {
            var result = ChainBenchmark.Run(settings.K, settings.Pixels, settings.Chains, threadCount, settings.Sweeps, settings.Seconds);
            results.Add(result);
            output.WriteLine($"{threadCount,8} {result.StepsPerSecond,14:N0} {result.StepsPerSecondPerThread,16:N0} {result.StepsPerProcessorSecond,14:N0}");
        }
        var activeFraction = results[0].ActivePixelFraction;
        output.WriteLine($"active pixels per draw: {activeFraction:P1}");
        if (!json) return;

        var byThreads = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var perProcessorSecondByThreads = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            var key = r.Threads.ToString(CultureInfo.InvariantCulture);
            byThreads[key] = Math.Round(r.StepsPerSecond);
            perProcessorSecondByThreads[key] = Math.Round(r.StepsPerProcessorSecond);
        }
        var oneThread = results.FirstOrDefault(r => r.Threads == 1);
        CommandConventions.WriteJsonLine(output, new
        {
            K = settings.K,
            Pixels = settings.Pixels,
            Chains = settings.Chains,
            Sweeps = settings.Sweeps,
            SecondsPerMeasurement = settings.Seconds,
            Simd = Philox4x32.IsEightLaneSupported ? "avx2" : "scalar",
            ActivePixelFraction = activeFraction,
            StepsPerSecondPerCore = oneThread is null ? (double?)null : Math.Round(oneThread.StepsPerSecond),
            StepsPerSecondByThreads = byThreads,
            StepsPerProcessorSecondByThreads = perProcessorSecondByThreads,
        });
    }
}
