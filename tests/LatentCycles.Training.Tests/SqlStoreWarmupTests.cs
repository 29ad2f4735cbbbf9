using LatentCycles.Training.Hosting;

namespace LatentCycles.Training.Tests;

public class SqlStoreWarmupTests
{
    /// <summary>
    /// The warm-up's queries must run as written (it swallows its errors in a real run, where only speed is at stake): a
    /// linq2db upgrade that breaks one fails here instead of silently giving the start-up time back.
    /// </summary>
    [Fact]
    public async Task The_warm_up_queries_run_against_a_throw_away_database()
    {
        await SqlStoreWarmup.RunAsync();
        // Twice in one process: the table lives in its own in-memory database, so a second run starts from nothing too.
        await SqlStoreWarmup.RunAsync();
    }
}
