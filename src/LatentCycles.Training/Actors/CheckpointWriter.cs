using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// The coordinator's side of the store (docs/ARCHITECTURE.md, "Checkpoints"): writes a checkpoint as one
/// <see cref="CheckpointTaken"/> event with the metrics rows the journal does not hold yet, then the snapshot of the
/// training state, within latentcycles.checkpoint-timeout; keeps the newest <see cref="RunSettings.KeepCheckpoints"/>
/// snapshots (0: all) by deleting older ones through the persistence API (the events, which hold the metrics, stay).
/// While a deletion runs the rounds go on, but the next checkpoint and the run's end wait for it: SQLite takes one writer
/// at a time, and a write that waits for the lock sleeps far longer than the deletion takes. The persistence calls are
/// the coordinator's own, passed in.
/// </summary>
internal sealed class CheckpointWriter(
    CoordinatorSetup setup,
    ITimerScheduler timers,
    ILoggingAdapter log,
    Action<CheckpointTaken, Action<CheckpointTaken>> persist,
    Func<long> lastSequenceNumber,
    Action<Checkpoint> saveSnapshot,
    Action<SnapshotSelectionCriteria> deleteSnapshots)
{
    private const string TimerKey = "checkpoint";
    private readonly CheckpointJournal _journal = new();
    private bool _deleting;
    private RunEffect? _afterDeletion;

    /// <summary>Sent to the coordinator when a checkpoint is not stored in time.</summary>
    public sealed record TimedOut(int Round);

    /// <summary>An event replayed by recovery.</summary>
    public void Recover(CheckpointTaken taken) => _journal.Add(taken, lastSequenceNumber());

    /// <summary>
    /// The run continued from <paramref name="checkpoint"/>, the latest snapshot, with the history the events (or, in
    /// earlier formats, the snapshot itself) hold; a stored state with fewer rounds than the start's is being extended.
    /// </summary>
    public RunState Resumed(Checkpoint checkpoint)
    {
        if (checkpoint.RunId is { } id && id != setup.RunId)
            throw new RunStoreException($"the latest checkpoint was written by run {id}, not by this run {setup.RunId}");
        var stored = checkpoint.State;
        var start = setup.Start.Config;
        var state = stored.Config != start && TrainingState.Extends(start, stored.Config) ? stored.WithRounds(start.Rounds) : stored;
        return RunState.Resumed(state, _journal.HistoryAt(checkpoint));
    }

    /// <summary>Starts <paramref name="save"/>, at once or when a deletion in progress is done.</summary>
    public void Save(RunEffect.SaveCheckpoint save)
    {
        timers.StartSingleTimer(TimerKey, new TimedOut(save.State.Round), setup.CheckpointTimeout);
        Write(save);
    }

    /// <summary>Whether <paramref name="finish"/> must wait for a deletion in progress; it comes back from <see cref="Deleted"/>.</summary>
    public bool Holds(RunEffect.Finish finish)
    {
        if (_deleting) _afterDeletion = finish;
        return _deleting;
    }

    /// <summary>The snapshot is stored: deletes those beyond the newest KeepCheckpoints.</summary>
    public void Saved()
    {
        timers.Cancel(TimerKey);
        if (_journal.SnapshotsBeyond(setup.Settings.KeepCheckpoints) is not { } last) return;
        _deleting = true;
        deleteSnapshots(new SnapshotSelectionCriteria(last));
    }

    /// <summary>
    /// The deletion is over; a failed one is logged and its snapshots stay. Starts a checkpoint that waited for it, and
    /// returns a finish that waited, if any.
    /// </summary>
    public RunEffect.Finish? Deleted(DeleteSnapshotsFailure? failure)
    {
        if (failure is not null)
            log.Warning(failure.Cause, "deleting the checkpoints before sequence number {0} failed; they stay in the store", failure.Criteria.MaxSequenceNr);
        _deleting = false;
        var next = _afterDeletion;
        _afterDeletion = null;
        if (next is RunEffect.SaveCheckpoint save) Write(save);
        return next as RunEffect.Finish;
    }

    private void Write(RunEffect.SaveCheckpoint save)
    {
        if (_deleting)
        {
            _afterDeletion = save;
            return;
        }
        var started = RoundProfile.Now;
        persist(_journal.EventFor(save.State, save.History), taken =>
        {
            // The event holds up the coordinator's messages until it is journaled; the snapshot is written beside the rounds.
            setup.Settings.Profile?.Lap(RoundPhase.Checkpoint, started);
            _journal.Add(taken, lastSequenceNumber());
            saveSnapshot(new Checkpoint(save.State, setup.RunId));
        });
    }
}
