using HdrHistogram;
using System.Diagnostics;

namespace LatentCycles.Core.Training;

/// <summary>The phases of a round that <see cref="RoundProfile"/> times (docs/PERFORMANCE.md explains each).</summary>
public enum RoundPhase
{
    /// <summary>Coordinator: splitting the blocks over the nodes and sending the round's parameters.</summary>
    Dispatch,
    /// <summary>Node: preparing the parameters for the sweep (thresholds, padded encoder rows).</summary>
    Prepare,
    /// <summary>Node: from the first block handed to a chain worker to the last one back (wall time).</summary>
    Sweeps,
    /// <summary>Node: summing the chain workers' statistics into the node's reply.</summary>
    NodeMerge,
    /// <summary>Worker process: encoding the reply and writing it to the data link (a cluster's workers only).</summary>
    Reply,
    /// <summary>
    /// Coordinator: the round's terms that need only its parameters (σ(L), the minibatch's component log-densities), computed
    /// while the chains sweep: beside the round's critical path unless the sweeps end first.
    /// </summary>
    ParameterTerms,
    /// <summary>Coordinator: adding the nodes' statistics and chain states into the round's total.</summary>
    Merge,
    /// <summary>M̂ and π̂ from the merged statistics.</summary>
    Kernel,
    /// <summary>Posterior responsibilities, ρ, the ∂L data term and the minibatch log-likelihood.</summary>
    DataPhase,
    /// <summary>g and the chain phase of the gradient.</summary>
    Gradient,
    /// <summary>The RMSprop/Adam step and the new parameters.</summary>
    Optimizer,
    /// <summary>Entropy production, self-transition and currents of the chains' kernel estimate.</summary>
    Observables,
    /// <summary>
    /// The fresh-sample log-likelihoods of evaluation rounds, on the evaluator's own thread while later rounds run: time
    /// beside the rounds, not part of them (<see cref="RoundProfile.IsBesideTheRounds"/>).
    /// </summary>
    Evaluation,
    /// <summary>The metrics row (history, metrics.csv) and the progress report.</summary>
    Metrics,
    /// <summary>Starting a checkpoint: until its event is journaled (the snapshot itself is written while the next rounds run).</summary>
    Checkpoint,
}

/// <summary>
/// Wall-clock time per round phase, summed over the rounds of a run, for <c>train --profile</c> and <c>bench --train</c>.
/// Written from the coordinator's and the node aggregator's threads, so the sums are atomic. Phases that overlap
/// (a node sweeps while the coordinator waits) are timed where they run; the time between round starts that no phase
/// covers is message passing and scheduling. Each round's time per phase also goes into a histogram (HdrHistogram, two
/// significant digits), for the median: on a shared machine a few slow rounds pull the mean far from the typical round.
/// </summary>
public sealed class RoundProfile
{
    private static readonly int PhaseCount = Enum.GetValues<RoundPhase>().Length;
    private readonly long[] _ticks = new long[PhaseCount];
    private readonly long[] _roundTicks = new long[PhaseCount];
    private readonly long[] _fewestTicks = Enumerable.Repeat(long.MaxValue, PhaseCount).ToArray();
    private long _rounds;
    private long _roundStart;
    private long _shortestRound = long.MaxValue;
    private long _firstRoundStart;
    private long _lastRoundEnd;
    /// <summary>Per-round milliseconds' histograms in ticks: one per phase, then one for the whole round.</summary>
    private readonly LongHistogram[] _histograms = Enumerable.Range(0, PhaseCount + 1)
        .Select(_ => new LongHistogram(HighestRecordedTicks, 2)).ToArray();

    /// <summary>A round or phase longer than an hour is recorded as an hour in the histograms (their range must be bounded).</summary>
    private static readonly long HighestRecordedTicks = Stopwatch.Frequency * 3600;

    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>
    /// Whether <paramref name="phase"/> runs beside the rounds' critical path rather than on it (on its own thread, or
    /// while the chains sweep), so it is no share of a round.
    /// </summary>
    public static bool IsBesideTheRounds(RoundPhase phase) => phase is RoundPhase.Evaluation or RoundPhase.ParameterTerms;

    /// <summary>Adds the time since <paramref name="since"/> to <paramref name="phase"/>; returns now, the start of the next phase.</summary>
    public long Lap(RoundPhase phase, long since) => Lap(phase, since, Now);

    /// <summary>Adds <paramref name="now"/> − <paramref name="since"/> to <paramref name="phase"/>; returns <paramref name="now"/>.</summary>
    public long Lap(RoundPhase phase, long since, long now)
    {
        Interlocked.Add(ref _ticks[(int)phase], now - since);
        Interlocked.Add(ref _roundTicks[(int)phase], now - since);
        return now;
    }

    /// <summary>A round starts (its blocks are about to be dispatched).</summary>
    public void RoundStarted(long now)
    {
        Interlocked.CompareExchange(ref _firstRoundStart, now, 0);
        Interlocked.Exchange(ref _roundStart, now);
    }

    /// <summary>A round is complete with everything after it (metrics, checkpoint).</summary>
    public void RoundEnded(long now)
    {
        Interlocked.Increment(ref _rounds);
        Interlocked.Exchange(ref _lastRoundEnd, now);
        var roundTicks = now - Interlocked.Read(ref _roundStart);
        lock (_histograms)
        {
            _shortestRound = Math.Min(_shortestRound, roundTicks);
            Record(PhaseCount, roundTicks);
            for (var p = 0; p < PhaseCount; p++)
            {
                var ticks = Interlocked.Exchange(ref _roundTicks[p], 0);
                _fewestTicks[p] = Math.Min(_fewestTicks[p], ticks);
                Record(p, ticks);
            }
        }
    }

    private void Record(int histogram, long ticks) => _histograms[histogram].RecordValue(Math.Clamp(ticks, 0, HighestRecordedTicks));

    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Mean milliseconds per round of each phase, in phase order.</summary>
    public IReadOnlyList<(RoundPhase Phase, double Milliseconds)> MeanMilliseconds()
    {
        var rounds = Math.Max(1, Rounds);
        return Enum.GetValues<RoundPhase>()
            .Select(p => (p, Interlocked.Read(ref _ticks[(int)p]) * 1000.0 / Stopwatch.Frequency / rounds))
            .ToList();
    }

    /// <summary>
    /// The fewest milliseconds each phase took in any one round, in phase order: on a machine shared with other work,
    /// what the phase costs when nothing else gets in its way (a phase that some rounds skip, like evaluation, shows 0).
    /// </summary>
    public IReadOnlyList<(RoundPhase Phase, double Milliseconds)> FewestMilliseconds() =>
        Enum.GetValues<RoundPhase>()
            .Select(p => (p, Rounds == 0 ? 0 : _fewestTicks[(int)p] * 1000.0 / Stopwatch.Frequency))
            .ToList();

    /// <summary>
    /// The median milliseconds of each phase over the rounds, in phase order, to two significant digits (a phase that most
    /// rounds skip, like evaluation, shows 0).
    /// </summary>
    public IReadOnlyList<(RoundPhase Phase, double Milliseconds)> MedianMilliseconds()
    {
        lock (_histograms)
            return Enum.GetValues<RoundPhase>().Select(p => (p, MedianOf((int)p))).ToList();
    }

    /// <summary>The median round in milliseconds, from its start to its end, to two significant digits.</summary>
    public double MedianRoundMilliseconds
    {
        get
        {
            lock (_histograms) return MedianOf(PhaseCount);
        }
    }

    private double MedianOf(int histogram) =>
        Rounds == 0 ? 0 : _histograms[histogram].GetValueAtPercentile(50) * 1000.0 / Stopwatch.Frequency;

    /// <summary>The shortest round in milliseconds, from its start to its end.</summary>
    public double ShortestRoundMilliseconds => Rounds == 0 ? 0 : _shortestRound * 1000.0 / Stopwatch.Frequency;

    /// <summary>Mean wall milliseconds per round, from the first round's start to the last round's end.</summary>
    public double MeanRoundMilliseconds =>
        Rounds == 0 ? 0 : (Interlocked.Read(ref _lastRoundEnd) - Interlocked.Read(ref _firstRoundStart)) * 1000.0 / Stopwatch.Frequency / Rounds;
}
