using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Tests;

public sealed class CheckpointJournalTests
{
    private static readonly TrainingState Start = TrainingState.Start(TrainingFixtures.SmallConfig(), TrainingFixtures.SyntheticData().Train);

    [Fact]
    public void Replayed_events_rebuild_the_history_and_a_later_session_replaces_the_rows_it_computed_again()
    {
        var journal = new CheckpointJournal();
        journal.Add(new CheckpointTaken(0, []), 1);
        journal.Add(new CheckpointTaken(3, Rows(1, 3, session: 1)), 2);
        // A session killed after this event, before its snapshot: the next session resumed at round 3.
        journal.Add(new CheckpointTaken(6, Rows(4, 6, session: 1)), 3);
        journal.Add(new CheckpointTaken(5, Rows(4, 5, session: 2)), 4);

        var history = journal.HistoryAt(Checkpoint(5));

        Assert.Equal([1, 2, 3, 4, 5], history.Select(row => row.Round));
        Assert.Equal([1, 1, 1, 2, 2], history.Select(row => row.Nodes));
        Assert.Equal([6, 7], journal.EventFor(State(7), Rows(1, 7, session: 3)).Rows.Select(row => row.Round));
    }

    [Fact]
    public void A_checkpoint_of_an_earlier_format_gives_its_own_history_and_the_next_event_carries_all_of_it()
    {
        var journal = new CheckpointJournal();
        journal.Add(new CheckpointTaken(0, []), 1);
        journal.Add(new CheckpointTaken(3, []), 2);
        var earlier = Checkpoint(3) with { EarlierHistory = Rows(1, 3, session: 1) };

        Assert.Equal(earlier.EarlierHistory, journal.HistoryAt(earlier));
        Assert.Equal([1, 2, 3, 4], journal.EventFor(State(4), Rows(1, 4, session: 2)).Rows.Select(row => row.Round));
    }

    [Fact]
    public void Snapshots_beyond_the_newest_kept_end_at_the_event_before_them()
    {
        var journal = new CheckpointJournal();
        for (var sequenceNumber = 1; sequenceNumber <= 4; sequenceNumber++) journal.Add(new CheckpointTaken(sequenceNumber, []), sequenceNumber * 10);

        Assert.Equal(20, journal.SnapshotsBeyond(2));
        Assert.Null(journal.SnapshotsBeyond(4));
        Assert.Null(journal.SnapshotsBeyond(0));
    }

    private static TrainingState State(int round) =>
        new(Start.Config, round, Start.Parameters, Start.Optimizer, Start.ChainStates);

    private static Checkpoint Checkpoint(int round) => new(State(round), Guid.NewGuid());

    /// <summary>Rows of rounds <paramref name="first"/> to <paramref name="last"/>, marked by their session in <c>Nodes</c>.</summary>
    private static MetricsRow[] Rows(int first, int last, int session) =>
        [.. Enumerable.Range(first, last - first + 1).Select(round => new MetricsRow(round, -1, null, 0.5, 0.1, Nodes: session))];
}
