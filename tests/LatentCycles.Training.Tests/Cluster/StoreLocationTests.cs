using LatentCycles.Core.Training;

namespace LatentCycles.Training.Tests.Cluster;

public sealed class StoreLocationTests
{
    [Fact]
    public void A_postgres_address_becomes_an_Npgsql_connection_string_and_is_shown_without_its_password()
    {
        var store = StoreLocation.Parse("postgres://lc%40user:s3cr%3At@db.example:6543/runs");

        Assert.Equal(StoreKind.PostgreSql, store.Kind);
        Assert.Equal("postgres://lc@user@db.example:6543/runs", store.Display);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(store.ConnectionString);
        Assert.Equal(("db.example", 6543, "runs", "lc@user", "s3cr:t"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=lc;Username=u;Password=p", StoreKind.PostgreSql)]
    [InlineData("postgresql://u@h/lc", StoreKind.PostgreSql)]
    [InlineData("sqlite:/tmp/some run/run.db", StoreKind.Sqlite)]
    [InlineData("/tmp/run.db", StoreKind.Sqlite)]
    public void Every_documented_form_of_store_is_understood(string text, StoreKind kind)
    {
        Assert.Equal(kind, StoreLocation.Parse(text).Kind);
    }

    [Theory]
    [InlineData("postgres://u:hidden@h", "names no database")]
    [InlineData("postgres://u:hidden@h/db?sslmode=require", "takes no ?options")]
    [InlineData("", "must not be empty")]
    public void A_bad_store_is_refused_in_one_line_that_never_shows_a_password(string text, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => StoreLocation.Parse(text));

        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain("hidden", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_configuration_whose_statistics_cannot_fit_a_remoting_frame_is_refused_before_the_cluster_starts()
    {
        var config = new TrainingConfig { K = 100, Chains = 2000 };

        var error = Assert.Throws<ArgumentException>(() => TrainingRunner.RequireFrameFits(config, 784, 32_000_000));

        Assert.Contains("maximum-frame-size", error.Message);
        TrainingRunner.RequireFrameFits(new TrainingConfig(), 784, 32_000_000);
    }
}
