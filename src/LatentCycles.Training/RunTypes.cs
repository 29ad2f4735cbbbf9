using LatentCycles.Core.Training;

namespace LatentCycles.Training;

/// <summary>How a run executes (not what it computes: that is <see cref="TrainingConfig"/>).</summary>
public sealed record RunSettings
{
    /// <summary>Directory of run.db, metrics.csv and config.json; created if missing.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Chain workers, each on its own thread of the chain dispatcher.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Rounds between checkpoints (a checkpoint is also written at the start, at a stop and at the end). The default
    /// keeps a killed default-sized run to about two seconds of recomputation; a checkpoint every 50 rounds cost a
    /// 2,000-round run about a second (docs/PERFORMANCE.md, "Checkpoints every 500 rounds").
    /// </summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>
    /// How many of the newest checkpoints the store keeps (0: all); older ones are deleted after each checkpoint, while
    /// the metrics, which are journal events, stay.
    /// </summary>
    public int KeepCheckpoints { get; init; } = 5;

    /// <summary>Rounds between fresh-sample log-likelihood estimates; 0 = only at the end.</summary>
    public int EvaluateEvery { get; init; } = 50;

    /// <summary>Times the phases of every round when given (<c>--profile</c>); the results do not depend on it.</summary>
    public RoundProfile? Profile { get; init; }

    /// <summary>The checkpoint store as <c>--store</c> gives it (see <see cref="StoreLocation.Parse"/>); null → RunDirectory/run.db.</summary>
    public string? Store { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> with a one-line message for the first invalid setting. A cluster's
    /// coordinator may run no chain workers of its own (<paramref name="minimumThreads"/> 0).
    /// </summary>
    public void Validate(int minimumThreads = 1)
    {
        if (string.IsNullOrWhiteSpace(RunDirectory)) throw new ArgumentException("the run directory must be given");
        if (Threads < minimumThreads) throw new ArgumentException($"the number of threads must be at least {minimumThreads}, got {Threads}");
        if (CheckpointEvery < 1) throw new ArgumentException($"checkpoints must be at least 1 round apart, got {CheckpointEvery}");
        if (KeepCheckpoints < 0) throw new ArgumentException($"the number of checkpoints to keep must not be negative (0 keeps all), got {KeepCheckpoints}");
        if (EvaluateEvery < 0) throw new ArgumentException($"the evaluation interval must not be negative, got {EvaluateEvery}");
        _ = StoreLocation;
    }

    public StoreLocation StoreLocation => StoreLocation.For(RunDirectory, Store);
}

/// <summary>How a run ended, its state (for Diverged: the last good checkpoint's) and its wall-clock time.</summary>
public sealed record RunResult(RunOutcome Outcome, TrainingState State, string? Message, double WallSeconds);

/// <summary>
/// A run directory's store is missing, not a LatentCycles store, or holds a run of another configuration. Derives from
/// <see cref="InvalidOperationException"/>: callers of <see cref="TrainingRunner"/> that catch that for a run they
/// cannot continue need not know this type.
/// </summary>
public sealed class RunStoreException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
