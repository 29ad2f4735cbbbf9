using System.CommandLine;
using System.Globalization;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using LatentCycles.Training.Serialization;

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
        var train = new Option<bool>("--train")
        {
            Description = "Also run the real trainer on the embedded MNIST for --rounds rounds (no evaluation but at the end) and compare it with the kernel",
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Rounds of each --train run, or rounds measured with --gradient",
            DefaultValueFactory = _ => 300,
        };
        var profile = new Option<bool>("--profile") { Description = "With --train: print the mean milliseconds per round of each round phase" };
        var gradientRun = new Option<string?>("--gradient")
        {
            Description = "Run directory: measure the variance of the gradient estimators (two-step and exact, every baseline) at its checkpoint",
        };
        var round = new Option<int?>("--round") { Description = "With --gradient: the checkpoint at or before this round [default: the latest]" };
        var burnIn = new Option<int>("--burn-in") { Description = "With --gradient: rounds run first on the frozen parameters", DefaultValueFactory = _ => 10 };
        var wire = new Option<bool>("--wire")
        {
            Description = "Measure instead the encoding and decoding of a round's messages to and from a node (--k, --pixels, --chains)",
        };
        var json = CommandConventions.JsonOption();

        var command = new Command("bench", "Measure chain steps per second on MNIST-like parameters, the variance of the gradient estimators, or the wire format")
        {
            k, pixels, chains, threads, seconds, sweeps, train, rounds, profile, gradientRun, round, burnIn, wire, json,
        };
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(wire))
            {
                MeasureWire(parseResult.GetValue(k), parseResult.GetValue(pixels), parseResult.GetValue(chains), parseResult.GetValue(json),
                    parseResult.InvocationConfiguration.Output);
                return 0;
            }
            if (parseResult.GetValue(gradientRun) is { } runDirectory)
            {
                MeasureGradients(runDirectory, parseResult.GetValue(round), parseResult.GetValue(rounds), parseResult.GetValue(burnIn),
                    parseResult.GetValue(json), parseResult.InvocationConfiguration.Output);
                return 0;
            }
            var settings = new BenchSettings(
                parseResult.GetValue(k), parseResult.GetValue(pixels), parseResult.GetValue(chains),
                ParseThreadCounts(parseResult.GetValue(threads)), parseResult.GetValue(seconds), parseResult.GetValue(sweeps),
                parseResult.GetValue(train) ? parseResult.GetValue(rounds) : null, parseResult.GetValue(profile));
            settings.Validate(parseResult.GetResult(pixels) is { Implicit: false });
            Run(settings, parseResult.GetValue(json), parseResult.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    /// <param name="TrainRounds">Rounds of the end-to-end trainer run per thread count; null: the kernel alone.</param>
    private sealed record BenchSettings(int K, int Pixels, int Chains, int[] Threads, double Seconds, int Sweeps, int? TrainRounds, bool Profile)
    {
        public void Validate(bool pixelsGiven)
        {
            RequireShape(K, Pixels);
            if (Chains < 1) throw new CliException($"--chains must be at least 1, got {Chains}");
            if (!(Seconds > 0) || double.IsInfinity(Seconds)) throw new CliException($"--seconds must be a positive number, got {Seconds}");
            if (Sweeps < 1) throw new CliException($"--sweeps must be at least 1, got {Sweeps}");
            if (TrainRounds is { } rounds && rounds < TrainBench.MinimumRounds)
                throw new CliException($"--rounds must be at least {TrainBench.MinimumRounds}, got {rounds}");
            if (TrainRounds is not null && pixelsGiven) throw new CliException("--train runs on the embedded MNIST, whose N is fixed; leave out --pixels");
            if (TrainRounds is null && Profile) throw new CliException("--profile needs --train");
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
        output.WriteLine($"{"gradient",-9} {"baseline",-18} {"var W",11} {"var b",11} {"var L",11} {"var total",11} {"vs pi-mean",10} {"|mean|^2",11} {"signal/noise W",15} {"b",9} {"L",9}");
        foreach (var s in spreads)
        {
            var reference = spreads.First(r => r.Gradient == s.Gradient && r.Baseline == BaselineKind.StationaryMean).Variance.All;
            output.WriteLine($"{GradientName(s.Gradient),-9} {BaselineName(s.Baseline),-18} {s.Variance.W,11:G4} {s.Variance.B,11:G4} {s.Variance.L,11:G4} " +
                             $"{s.Variance.All,11:G4} {s.Variance.All / reference,10:F3} {s.SquaredMean.All,11:G4} " +
                             $"{s.SignalToNoise.W,15:G3} {s.SignalToNoise.B,9:G3} {s.SignalToNoise.L,9:G3}");
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
                SignalToNoiseW = s.SignalToNoise.W,
                SignalToNoiseB = s.SignalToNoise.B,
                SignalToNoiseL = s.SignalToNoise.L,
            }).ToList(),
        });
    }

    private const int WireRepetitions = 200;

    /// <summary>The most K·K·N values of one statistics array the benchmarks make (8 bytes each, two such arrays per thread).</summary>
    private const long MaxStatisticsValues = 1L << 27;

    /// <summary>K and N that every benchmark accepts: K a valid number of states, and statistics that fit in memory.</summary>
    private static void RequireShape(int k, int pixels)
    {
        if (k < 2 || k > ModelParameters.MaxStates) throw new CliException($"--k must be between 2 and {ModelParameters.MaxStates}, got {k}");
        if (pixels < 1) throw new CliException($"--pixels must be at least 1, got {pixels}");
        var values = (long)k * k * pixels;
        if (values > MaxStatisticsValues)
            throw new CliException(FormattableString.Invariant(
                $"--k {k} with --pixels {pixels} makes statistics of K·K·N = {values:N0} values per thread; the benchmark allows at most {MaxStatisticsValues:N0}"));
    }

    private static void MeasureWire(int k, int pixels, int chains, bool json, TextWriter output)
    {
        RequireShape(k, pixels);
        if (chains < 1 || chains > TrainingConfig.MaxChains) throw new CliException($"--chains must be between 1 and {TrainingConfig.MaxChains}, got {chains}");
        var costs = WireCost.Measure(k, pixels, chains, WireRepetitions);
        output.WriteLine($"one round's messages to and from a node, K = {k}, N = {pixels}, {chains} chains, one sweep " +
                         $"(milliseconds, 10th percentile / median of {WireRepetitions}):");
        output.WriteLine($"{"message",-15} {"bytes",10} {"encode p10",11} {"median",8} {"decode p10",11} {"median",8}");
        foreach (var c in costs)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Message,-15} {c.Bytes,10} {c.EncodeP10,11:F3} {c.EncodeMedian,8:F3} {c.DecodeP10,11:F3} {c.DecodeMedian,8:F3}"));
        if (json) CommandConventions.WriteJsonLine(output, new { K = k, Pixels = pixels, Chains = chains, Messages = costs });
    }

    private static string GradientName(GradientKind kind) => ConfigurationText.NameOf(ConfigurationText.Gradients, kind);

    private static string BaselineName(BaselineKind kind) => ConfigurationText.NameOf(ConfigurationText.Baselines, kind);

    /// <summary>The chain sweep's fastest path as the table's heading and the JSON name it.</summary>
    private static (string Text, string Json) PathName => ChainSweeper.FastestPath switch
    {
        SweepPath.SixteenLane => ("AVX-512 16-lane", "avx512"),
        SweepPath.EightLane => ("AVX2 8-lane", "avx2"),
        _ => ("scalar", "scalar"),
    };

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
        var data = settings.TrainRounds is null ? null : DataSetLoader.Load(RunAccess.EmbeddedDataName);
        var pixels = data?.Train.PixelCount ?? settings.Pixels;
        output.WriteLine($"chain sweep: K = {settings.K}, N = {pixels}, {settings.Chains} chains, {settings.Sweeps} sweep(s) per round, " +
                         $"{PathName.Text} path, {settings.Seconds:0.###} s per measurement");
        if (data is not null)
            output.WriteLine($"trainer: {settings.TrainRounds} rounds on {data.Name} after each kernel measurement, evaluation only at the end");
        output.WriteLine($"{"threads",8} {"steps/s",14} {"steps/s/thread",16} {"steps/cpu-s",14}" +
                         (data is null ? "" : $" {"train steps/s",14} {"train/kernel",13}"));
        var results = new List<(ChainBenchmarkResult Kernel, TrainBench.Result? Train)>();
        foreach (var threadCount in settings.Threads)
        {
            var kernel = ChainBenchmark.Run(settings.K, pixels, settings.Chains, threadCount, settings.Sweeps, settings.Seconds);
            var train = data is null ? null : TrainBench.Run(data, settings.K, settings.Chains, settings.Sweeps, settings.TrainRounds!.Value, threadCount);
            results.Add((kernel, train));
            output.WriteLine($"{threadCount,8} {kernel.StepsPerSecond,14:N0} {kernel.StepsPerSecondPerThread,16:N0} {kernel.StepsPerProcessorSecond,14:N0}" +
                             (train is null ? "" : $" {train.StepsPerSecond,14:N0} {train.StepsPerSecond / kernel.StepsPerSecond,13:P1}"));
        }
        var activeFraction = results[0].Kernel.ActivePixelFraction;
        output.WriteLine($"active pixels per draw: {activeFraction:P1}");
        if (settings.Profile)
            foreach (var (kernel, train) in results)
            {
                output.WriteLine($"{kernel.Threads} thread(s):");
                ProfileReport.Write(output, train!.Profile);
            }
        if (!json) return;

        var byThreads = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var perProcessorSecondByThreads = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var trainByThreads = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var trainOverKernel = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var profileByThreads = new SortedDictionary<string, SortedDictionary<string, double>>(StringComparer.Ordinal);
        var profileMediansByThreads = new SortedDictionary<string, SortedDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var (r, train) in results)
        {
            var key = r.Threads.ToString(CultureInfo.InvariantCulture);
            byThreads[key] = Math.Round(r.StepsPerSecond);
            perProcessorSecondByThreads[key] = Math.Round(r.StepsPerProcessorSecond);
            if (train is null) continue;
            trainByThreads[key] = Math.Round(train.StepsPerSecond);
            trainOverKernel[key] = Math.Round(train.StepsPerSecond / r.StepsPerSecond, 4);
            if (!settings.Profile) continue;
            profileByThreads[key] = ProfileReport.MillisecondsByPhase(train.Profile);
            profileMediansByThreads[key] = ProfileReport.MedianMillisecondsByPhase(train.Profile);
        }
        var oneThread = results.Select(r => r.Kernel).FirstOrDefault(r => r.Threads == 1);
        CommandConventions.WriteJsonLine(output, new
        {
            K = settings.K,
            Pixels = pixels,
            Chains = settings.Chains,
            Sweeps = settings.Sweeps,
            SecondsPerMeasurement = settings.Seconds,
            Simd = PathName.Json,
            ActivePixelFraction = activeFraction,
            StepsPerSecondPerCore = oneThread is null ? (double?)null : Math.Round(oneThread.StepsPerSecond),
            StepsPerSecondByThreads = byThreads,
            StepsPerProcessorSecondByThreads = perProcessorSecondByThreads,
            TrainRounds = settings.TrainRounds,
            TrainStepsPerSecond = data is null ? null : trainByThreads,
            TrainOverKernel = data is null ? null : trainOverKernel,
            ProfileMsPerRoundByThreads = settings.Profile ? profileByThreads : null,
            ProfileMedianMsPerRoundByThreads = settings.Profile ? profileMediansByThreads : null,
        });
    }
}
