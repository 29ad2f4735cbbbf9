using Microsoft.Data.Sqlite;

namespace LatentCycles.Cli.Tests;

/// <summary>
/// Every bad input ends the built program with a non-zero exit code and exactly one <c>error:</c> line on stderr, no stack
/// trace, and leaves every file of the run directory byte-identical.
/// </summary>
[Collection(FinishedRunCollection.Name)]
public sealed class BadInputTests(FinishedRunFixture run) : IDisposable
{
    private readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Theory]
    [InlineData("--k", "1")]
    [InlineData("--chains", "0")]
    [InlineData("--lr", "abc")]
    [InlineData("--lr", "0")]
    [InlineData("--lr", "-1")]
    [InlineData("--optimizer", "sgd")]
    [InlineData("--gradient", "three-step")]
    [InlineData("--baseline", "median")]
    [InlineData("--init-noise", "-0.1")]
    [InlineData("--decoder-smoothing", "0")]
    [InlineData("--data", "{missing}")]
    [InlineData("--data", "{malformed}")]
    public void Bad_training_settings_fail_with_one_error_line_and_create_no_run(string option, string value)
    {
        var malformed = _temporary.Combine("digits-images-idx3-ubyte");
        File.WriteAllBytes(malformed, [0, 0, 8, 3, 0, 0, 0, 9, 1, 2]);
        value = value.Replace("{missing}", _temporary.Combine("no-such-file")).Replace("{malformed}", malformed);
        var target = _temporary.Combine("new-run");

        var result = CliRunner.Run("train", "--out", target, "--k", "3", "--chains", "8", "--rounds", "2", option, value);

        AssertOneErrorLine(result);
        Assert.False(Directory.Exists(target), "a run directory was created");
    }

    [Fact]
    public void Train_into_a_run_of_other_settings_names_the_first_difference_and_touches_nothing()
    {
        var result = AssertUntouched(run.Directory, () => CliRunner.Run(["train", "--out", run.Directory, .. FinishedRunFixture.Settings, "--seed", "7"]));
        Assert.Contains("--seed 1, not 7", result.Stderr);
    }

    [Fact]
    public void Train_into_a_run_of_the_same_settings_points_to_resume_and_touches_nothing()
    {
        var result = AssertUntouched(run.Directory, () => CliRunner.Run(["train", "--out", run.Directory, .. FinishedRunFixture.Settings]));
        Assert.Contains("latentcycles resume", result.Stderr);
    }

    [Fact]
    public void Resume_of_a_finished_run_is_refused_and_touches_nothing()
    {
        var result = AssertUntouched(run.Directory, () => CliRunner.Run("resume", run.Directory));
        Assert.Contains("is already finished (round 4 of 4)", result.Stderr);
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("eval")]
    [InlineData("sample")]
    [InlineData("export")]
    public void A_store_of_garbage_bytes_fails_with_one_error_line_and_is_not_touched(string command)
    {
        var directory = run.CopyTo(_temporary, "garbage");
        var garbage = new byte[4096];
        new System.Random(5).NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(directory, "run.db"), garbage);

        AssertUntouched(directory, () => CliRunner.Run(command, directory));
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("eval")]
    [InlineData("export")]
    public void A_foreign_sqlite_store_fails_with_one_error_line_and_is_not_touched(string command)
    {
        var directory = run.CopyTo(_temporary, "foreign");
        var store = Path.Combine(directory, "run.db");
        File.Delete(store);
        using (var connection = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices VALUES (1, 9.5);";
            create.ExecuteNonQuery();
        }

        AssertUntouched(directory, () => CliRunner.Run(command, directory));
    }

    private static CliResult AssertUntouched(string directory, Func<CliResult> act)
    {
        var before = TemporaryDirectory.FileHashes(directory);
        var result = act();
        AssertOneErrorLine(result);
        Assert.Equal(before, TemporaryDirectory.FileHashes(directory));
        return result;
    }

    private static void AssertOneErrorLine(CliResult result)
    {
        Assert.True(result.ExitCode != 0, result.ToString());
        var lines = result.StderrLines;
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
    }
}
