using LatentCycles.Core.Training;
using Npgsql;

namespace LatentCycles.Training.Tests.Cluster;

/// <summary>
/// The checkpoint/resume test of <see cref="ActorTrainerTests"/> on PostgreSQL, the store a cluster shares. Runs against
/// the database named by LATENTCYCLES_TEST_POSTGRES (.ci/postgres.sh starts one and sets it), each test in a schema of
/// its own that is dropped afterwards; without the variable the tests are reported as skipped.
/// </summary>
public sealed class PostgresStoreTests : IDisposable
{
    private const string Variable = "LATENTCYCLES_TEST_POSTGRES";

    private readonly string? _server = Environment.GetEnvironmentVariable(Variable);
    private readonly string _schema = "latentcycles_test_" + Guid.NewGuid().ToString("N");
    private readonly TemporaryDirectory _directory = new();

    [SkippableFact]
    public async Task A_stopped_run_resumes_from_PostgreSQL_to_the_same_bits()
    {
        SkipWithoutServer();
        var store = CreateSchema();

        var settings = await TrainingFixtures.AssertStoppedRunResumesBitIdentical(_directory, store);

        var whole = CheckpointStore.LoadLatest(_directory.Combine("whole"));
        TrainingFixtures.AssertBitIdentical(whole, CheckpointStore.LoadLatest(settings.RunDirectory, store));
        Assert.Equal(3, CheckpointStore.Load(settings.RunDirectory, 4, store).Round);
        Assert.False(File.Exists(Path.Combine(settings.RunDirectory, RunDirectory.StoreFileName)));
    }

    [SkippableFact]
    public void A_fresh_PostgreSQL_database_is_an_empty_store_and_is_left_without_tables()
    {
        SkipWithoutServer();
        var store = StoreLocation.Parse(CreateSchema());

        Assert.Null(CheckpointStore.LatestOrNull(store, runId: null));
        var error = Assert.Throws<RunStoreException>(() => CheckpointStore.LoadLatest(_directory.Path, store.ConnectionString));

        Assert.Contains("not a LatentCycles checkpoint store", error.Message);
        Assert.DoesNotContain("Password", store.Display, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0L, Scalar($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{_schema}'"));
    }

    public void Dispose()
    {
        if (!string.IsNullOrEmpty(_server)) Scalar($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
        _directory.Dispose();
    }

    private void SkipWithoutServer() => Skip.If(string.IsNullOrEmpty(_server), $"{Variable} names no PostgreSQL server (.ci/postgres.sh starts one)");

    /// <summary>Creates this test's schema; returns a connection string whose search path puts the tables there.</summary>
    private string CreateSchema()
    {
        Scalar($"CREATE SCHEMA {_schema}");
        return new NpgsqlConnectionStringBuilder(_server) { SearchPath = _schema }.ConnectionString;
    }

    private object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(_server);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }
}
