using System.Diagnostics;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;

namespace LatentCycles.Cli;

/// <summary>Throughput of the chain sweep with a given number of threads.</summary>
/// <param name="Steps">Chain steps (transitions with full statistics) done in the measured time.</param>
/// <param name="Seconds">Measured wall-clock time.</param>
/// <param name="ProcessorSeconds">Processor time the process used in the measured time: on a shared machine,
/// steps per processor second is what one core can do, however busy the other cores are.</param>
/// <param name="ActivePixelFraction">Expected fraction of pixels that are 1 in a draw x ~ q(·|z), averaged over z.</param>
internal sealed record ChainBenchmarkResult(int K, int N, int Chains, int Threads, long Steps, double Seconds,
    double ProcessorSeconds, double ActivePixelFraction)
{
    public double StepsPerSecond => Steps / Seconds;
    public double StepsPerProcessorSecond => Steps / ProcessorSeconds;
    public double StepsPerSecondPerThread => StepsPerSecond / Threads;
}

/// <summary>
/// Measures chain steps per second the way the trainer runs them: chains in blocks of
/// <see cref="ChainsPerBlock"/>, each thread advancing its own blocks round after round with its own sweeper
/// and one statistics object per block, cleared at the start of each round.
/// </summary>
internal static class ChainBenchmark
{
    public const int ChainsPerBlock = 256;

    /// <summary>Fraction of the measured time spent first, unmeasured, so the JIT has compiled the optimized sweep.</summary>
    private const double WarmUpFraction = 0.2;

    public static ChainBenchmarkResult Run(int k, int n, int chains, int threads, int sweeps, double seconds)
    {
        if (k < 2 || k > ModelParameters.MaxStates) throw new ArgumentOutOfRangeException(nameof(k), $"K must be between 2 and {ModelParameters.MaxStates}, got {k}");
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), $"the number of pixels must be at least 1, got {n}");
        if (chains < 1) throw new ArgumentOutOfRangeException(nameof(chains), $"the number of chains must be at least 1, got {chains}");
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"the number of threads must be at least 1, got {threads}");
        if (sweeps < 1) throw new ArgumentOutOfRangeException(nameof(sweeps), $"the number of sweeps must be at least 1, got {sweeps}");
        if (!(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(seconds), $"the duration must be positive, got {seconds}");

        var prepared = new PreparedParameters(MnistLikeParameters.Create(k, n, seed: 1));
        var blocks = (chains + ChainsPerBlock - 1) / ChainsPerBlock;
        var states = new byte[chains];
        for (var c = 0; c < chains; c++) states[c] = (byte)(c % k);

        var steps = new long[threads];
        using var start = new Barrier(threads + 1);
        var measuring = 0;
        var stop = 0;
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var thread = t;
            workers[t] = new Thread(() =>
            {
                var sweeper = new ChainSweeper(k, n);
                // Statistics are integers, so a thread sums all its blocks into one buffer, cleared once per round, as the trainer does.
                var statistics = new ChainStatistics(k, n);
                start.SignalAndWait();
                for (uint round = 0; Volatile.Read(ref stop) == 0; round++)
                {
                    var counting = Volatile.Read(ref measuring) == 1;
                    statistics.Clear();
                    for (var block = thread; block < blocks; block += threads)
                    {
                        var first = block * ChainsPerBlock;
                        var count = Math.Min(ChainsPerBlock, chains - first);
                        sweeper.Advance(prepared, 1, round, first, states.AsSpan(first, count), sweeps, statistics);
                        if (counting) Interlocked.Add(ref steps[thread], (long)count * sweeps);
                    }
                }
            }) { IsBackground = true, Name = $"chain-benchmark-{t}" };
            workers[t].Start();
        }

        start.SignalAndWait();
        Thread.Sleep(TimeSpan.FromSeconds(seconds * WarmUpFraction));
        using var process = Process.GetCurrentProcess();
        var processorStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        // On a busy machine a thread may not have finished a round yet: the measurement lasts until each has.
        while (Enumerable.Range(0, Math.Min(threads, blocks)).Any(t => Interlocked.Read(ref steps[t]) == 0)) Thread.Sleep(1);
        Volatile.Write(ref measuring, 0);
        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var processorSeconds = (process.TotalProcessorTime - processorStart).TotalSeconds;
        Volatile.Write(ref stop, 1);
        foreach (var worker in workers) worker.Join();
        var activeFraction = prepared.DecoderThreshold.Average(t => t / 4294967296.0);
        return new ChainBenchmarkResult(k, n, chains, threads, steps.Sum(), elapsed, processorSeconds, activeFraction);
    }
}
