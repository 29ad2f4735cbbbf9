using System.Runtime.InteropServices;
using LatentCycles.Training;
using Microsoft.Data.Sqlite;

namespace LatentCycles.Cli.Tests;

/// <summary>A damaged or foreign checkpoint is named in one error line by every command that reads it, and never used.</summary>
[Collection(FinishedRunCollection.Name)]
public sealed class CheckedCheckpointTests(FinishedRunFixture run) : IDisposable
{
    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    public static TheoryData<string[]> Readers => new()
    {
        { ["eval", "{run}"] },
        { ["export", "{run}", "--out", "{out}/model.npz"] },
        { ["sample", "{run}", "--out", "{out}/samples.png"] },
        { ["resume", "{run}"] },
        { ["report", "{run}"] },
        { ["dashboard", "{run}", "--port", "0"] },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public void One_flipped_bit_of_W_in_the_latest_snapshot_is_refused(string[] command)
    {
        var directory = run.CopyTo(_temporary, "flipped");
        var (sequenceNumber, round) = FlipOneBitOfW(directory);
        var before = Files.Hashes(directory);

        // The dashboard serves until a signal when it does start: as a child process it cannot hold up the tests.
        var arguments = Arguments(command, directory);
        var result = command[0] == "dashboard" ? CliRunner.Run(arguments) : CliRunner.InProcess(arguments);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error:", line);
        Assert.Contains($"snapshot {sequenceNumber} (round {round}) is damaged", line);
        Assert.Contains("checksum", line);
        Assert.Equal(before, Files.Hashes(directory));
    }

    [Fact]
    public void A_store_copied_in_from_another_run_of_the_same_settings_is_refused_by_eval_and_resume()
    {
        var other = _temporary.Combine("other");
        var trained = CliRunner.InProcess(["train", "--out", other, .. FinishedRunFixture.Settings]);
        Assert.True(trained.ExitCode == 0, trained.ToString());
        var directory = run.CopyTo(_temporary, "foreign");
        File.Copy(Path.Combine(other, RunDirectory.StoreFileName), Path.Combine(directory, RunDirectory.StoreFileName), overwrite: true);
        var before = Files.Hashes(directory);

        foreach (var command in new[] { new[] { "eval", directory }, ["resume", directory] })
        {
            var result = CliRunner.InProcess(command);

            Assert.NotEqual(0, result.ExitCode);
            var line = Assert.Single(result.StderrLines);
            Assert.StartsWith("error:", line);
            Assert.Contains("was written by run", line);
        }
        Assert.Equal(before, Files.Hashes(directory));
    }

    [Fact]
    public void Eval_of_a_round_whose_checkpoints_were_deleted_lists_the_rounds_it_can_read()
    {
        var directory = _temporary.Combine("kept");
        var trained = CliRunner.InProcess("train", "--out", directory, "--k", "3", "--chains", "64", "--rounds", "4",
            "--checkpoint-every", "1", "--keep-checkpoints", "2");
        Assert.True(trained.ExitCode == 0, trained.ToString());

        var result = CliRunner.InProcess("eval", directory, "--round", "2");

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error:", line);
        Assert.EndsWith("holds no checkpoint at or before round 2; it holds rounds 3, 4", line);
        Assert.Equal(Enumerable.Range(1, 4), MetricsCsvRounds(directory));
    }

    private static IEnumerable<int> MetricsCsvRounds(string directory) =>
        MetricsCsv.Read(Path.Combine(directory, RunDirectory.MetricsFileName)).Select(row => row.Round);

    /// <summary>
    /// Flips one bit in the middle of W's bytes inside the latest snapshot's blob (found by their values, so the test
    /// does not depend on the layout), and returns that snapshot's sequence number and round.
    /// </summary>
    private static (long SequenceNumber, int Round) FlipOneBitOfW(string directory)
    {
        var state = CheckpointStore.LoadLatest(directory);
        var w = MemoryMarshal.AsBytes(state.Parameters.W).ToArray();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, RunDirectory.StoreFileName)};Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT sequence_number, snapshot FROM snapshot ORDER BY sequence_number DESC LIMIT 1";
        long sequenceNumber;
        byte[] blob;
        using (var reader = select.ExecuteReader())
        {
            Assert.True(reader.Read());
            sequenceNumber = reader.GetInt64(0);
            blob = (byte[])reader.GetValue(1);
        }
        var at = blob.AsSpan().IndexOf(w);
        Assert.True(at >= 0, "W's bytes were not found in the snapshot");
        blob[at + w.Length / 2] ^= 0x10;
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE snapshot SET snapshot = $blob WHERE sequence_number = $sequence";
        update.Parameters.AddWithValue("$blob", blob);
        update.Parameters.AddWithValue("$sequence", sequenceNumber);
        Assert.Equal(1, update.ExecuteNonQuery());
        return (sequenceNumber, state.Round);
    }

    private string[] Arguments(string[] command, string directory)
    {
        var output = _temporary.Combine("out");
        Directory.CreateDirectory(output);
        return [.. command.Select(a => a.Replace("{run}", directory).Replace("{out}", output))];
    }
}
