using LatentCycles.Core.Training;
using Microsoft.Data.Sqlite;

namespace LatentCycles.Training.Tests;

public sealed class CheckpointStoreTests
{
    [Fact]
    public async Task A_store_that_is_not_SQLite_is_refused_and_left_byte_identical()
    {
        using var directory = new TemporaryDirectory();
        var store = Path.Combine(directory.Path, RunDirectory.StoreFileName);
        File.WriteAllText(store, "these are not the checkpoints you are looking for\n" + new string('x', 5000));

        await AssertRefusedAndUntouched(directory.Path, store, "not a readable LatentCycles checkpoint store");
    }

    [Fact]
    public async Task An_SQLite_database_without_our_tables_is_refused_and_left_byte_identical()
    {
        using var directory = new TemporaryDirectory();
        var store = Path.Combine(directory.Path, RunDirectory.StoreFileName);
        using (var connection = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('bread');";
            command.ExecuteNonQuery();
        }

        await AssertRefusedAndUntouched(directory.Path, store, "not a LatentCycles checkpoint store");
    }

    [Theory]
    [InlineData("")]
    [InlineData("CREATE TABLE journal (id INTEGER);")]
    public void A_store_killed_before_its_tables_were_all_created_reads_as_empty(string partialSchema)
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, RunDirectory.StoreFileName);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = partialSchema == "" ? "PRAGMA user_version = 0;" : partialSchema;
            command.ExecuteNonQuery();
        }

        Assert.Null(CheckpointStore.LatestOrNull(StoreLocation.Sqlite(path), runId: null));
        Assert.Throws<RunStoreException>(() => CheckpointStore.LoadLatest(directory.Path));
    }

    [Fact]
    public async Task A_store_holding_a_run_of_another_configuration_is_refused_and_left_byte_identical()
    {
        var data = TrainingFixtures.SyntheticData();
        using var directory = new TemporaryDirectory();
        await TrainingFixtures.Run(TrainingFixtures.SmallConfig(rounds: 2), data,
            TrainingFixtures.Settings(directory.Path));
        var store = Path.Combine(directory.Path, RunDirectory.StoreFileName);
        SqliteConnection.ClearAllPools();
        var hash = Files.Hash(store);
        var other = TrainingFixtures.SmallConfig(rounds: 2) with { Seed = 6 };
        var configFile = Path.Combine(directory.Path, RunDirectory.ConfigFileName);
        var configError = await Assert.ThrowsAsync<RunStoreException>(() => TrainingFixtures.Run(other, data, TrainingFixtures.Settings(directory.Path)));
        File.Delete(configFile);

        var storeError = await Assert.ThrowsAsync<RunStoreException>(() => TrainingFixtures.Run(other, data, TrainingFixtures.Settings(directory.Path)));

        Assert.Contains("--seed 5 in config.json, 6 in this run", configError.Message);
        Assert.Contains("another configuration", storeError.Message);
        Assert.Contains("--seed 5 in the store, 6 in this run", storeError.Message);
        Assert.DoesNotContain('\n', storeError.Message);
        Assert.Equal(hash, Files.Hash(store));
        Assert.False(File.Exists(configFile));
    }

    [Fact]
    public void Loading_from_a_directory_without_a_store_is_refused_without_creating_one()
    {
        using var directory = new TemporaryDirectory();

        var error = Assert.Throws<RunStoreException>(() => CheckpointStore.LoadLatest(directory.Path));

        Assert.Contains("no such checkpoint store", error.Message);
        Assert.False(File.Exists(Path.Combine(directory.Path, RunDirectory.StoreFileName)));
    }

    private static async Task AssertRefusedAndUntouched(string runDirectory, string store, string expectedMessage)
    {
        var hash = Files.Hash(store);
        var data = TrainingFixtures.SyntheticData();
        var start = TrainingState.Start(TrainingFixtures.SmallConfig(), data.Train);

        var runError = await Assert.ThrowsAsync<RunStoreException>(() => TrainingFixtures.Run(start.Config, data, TrainingFixtures.Settings(runDirectory)));
        var loadError = Assert.Throws<RunStoreException>(() => CheckpointStore.LoadLatest(runDirectory));

        Assert.Contains(expectedMessage, runError.Message);
        Assert.Contains(expectedMessage, loadError.Message);
        Assert.DoesNotContain('\n', runError.Message);
        Assert.Equal(hash, Files.Hash(store));
    }
}
