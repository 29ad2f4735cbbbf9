using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Actors;

/// <summary>
/// What the coordinator's journal holds (docs/ARCHITECTURE.md, "Checkpoints"): one <see cref="CheckpointTaken"/> event
/// per checkpoint, with the metrics rows the journal did not hold yet, so replaying the events rebuilds the history,
/// and each snapshot has the sequence number of its event. A later event's rows replace those of the same and later
/// rounds in earlier events: they came from a session killed before its snapshot, whose rounds were computed again.
/// </summary>
internal sealed class CheckpointJournal
{
    private readonly List<MetricsRow> _rows = [];

    /// <summary>Sequence numbers of the checkpoint events, oldest first.</summary>
    private readonly List<long> _events = [];

    /// <summary>The last round whose metrics row is in the journal.</summary>
    private int _journaledThrough;

    /// <summary>An event replayed by recovery, or persisted now, with its sequence number.</summary>
    public void Add(CheckpointTaken taken, long sequenceNumber)
    {
        _events.Add(sequenceNumber);
        if (taken.Rows.Count == 0) return;
        var first = taken.Rows[0].Round;
        _rows.RemoveAll(row => row.Round >= first);
        _rows.AddRange(taken.Rows);
        _journaledThrough = taken.Rows[^1].Round;
    }

    /// <summary>
    /// The rows of rounds 1 to the checkpoint's round, from which a resumed run continues. A run started before rows
    /// were journal events has its history in the checkpoint (<see cref="Checkpoint.EarlierHistory"/>); the journal then
    /// holds none of it, and the next event carries it all.
    /// </summary>
    public IReadOnlyList<MetricsRow> HistoryAt(Checkpoint checkpoint)
    {
        var rows = _rows.Where(row => row.Round <= checkpoint.State.Round).ToList();
        var journaled = rows.Count > 0 && rows[0].Round == 1;
        _journaledThrough = journaled ? rows[^1].Round : 0;
        return journaled ? rows : checkpoint.EarlierHistory;
    }

    /// <summary>The event of a checkpoint of <paramref name="state"/> whose history is <paramref name="history"/>.</summary>
    public CheckpointTaken EventFor(TrainingState state, IReadOnlyList<MetricsRow> history) =>
        new(state.Round, [.. history.Where(row => row.Round > _journaledThrough)]);

    /// <summary>The newest sequence number whose snapshot falls outside the newest <paramref name="keep"/>; null when none does.</summary>
    public long? SnapshotsBeyond(int keep) => keep > 0 && _events.Count > keep ? _events[^(keep + 1)] : null;
}
