using System.CommandLine;
using System.Globalization;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Random;

namespace LatentCycles.Cli.Commands;

/// <summary>
/// <c>latentcycles bench</c>: chain steps per second (with full two-step statistics) on MNIST-like parameters,
/// for each requested number of threads.
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
        var json = CommandConventions.JsonOption();

        var command = new Command("bench", "Measure chain steps per second on MNIST-like parameters") { k, pixels, chains, threads, seconds, sweeps, json };
        command.SetAction(parseResult =>
        {
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
