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
    [InlineData("--sweeps", "2147483647")]
    [InlineData("--chains", "2147483647")]
    [InlineData("--store", "sqlite:")]
    [InlineData("--baseline", "median")]
    [InlineData("--init-noise", "-0.1")]
    [InlineData("--decoder-smoothing", "0")]
    [InlineData("--data", "{missing}")]
    [InlineData("--data", "{malformed}")]
    [InlineData("--data", "{four-images}")]
    [InlineData("--data", "{declares-2-GiB}")]
    [InlineData("--data", "{bomb}")]
    public void Bad_training_settings_fail_with_one_error_line_and_create_no_run(string option, string value)
    {
        var malformed = _temporary.Combine("digits-images-idx3-ubyte");
        File.WriteAllBytes(malformed, [0, 0, 8, 3, 0, 0, 0, 9, 1, 2]);
        value = value.Replace("{missing}", _temporary.Combine("no-such-file")).Replace("{malformed}", malformed)
            .Replace("{four-images}", IdxFile("four", count: 4, zeros: 4 * 28 * 28))
            .Replace("{declares-2-GiB}", IdxFile("huge", count: 1 << 27, zeros: 0))
            .Replace("{bomb}", IdxFile("bomb", count: 60_000, zeros: 64 << 20));
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

    [Theory]
    [InlineData("sample", "--out", "{run}/run.db")]
    [InlineData("sample", "--out", "{run}/config.json", "--force")]
    [InlineData("sample", "--out", "{run}/metrics.csv", "--force")]
    [InlineData("sample", "--out", "{run}")]
    [InlineData("sample", "--out", "{run}/run.db/samples.png")]
    [InlineData("sample", "--out", "{existing}")]
    [InlineData("sample", "--count", "1000000")]
    [InlineData("eval", "--draws-per-state", "2147483647")]
    [InlineData("eval", "--store", "sqlite:")]
    public void Outputs_onto_the_run_or_an_existing_file_and_unbounded_counts_are_refused(string command, params string[] options)
    {
        var existing = _temporary.Combine("mine.png");
        File.WriteAllText(existing, "mine");
        var args = options.Select(o => o.Replace("{run}", run.Directory).Replace("{existing}", existing)).ToArray();

        AssertUntouched(run.Directory, () => CliRunner.Run([command, run.Directory, .. args]));
        Assert.Equal("mine", File.ReadAllText(existing));
    }

    [Fact]
    public void Report_over_an_existing_report_is_refused_without_force()
    {
        var directory = run.CopyTo(_temporary, "reported");
        File.WriteAllText(Path.Combine(directory, "report.html"), "mine");

        AssertUntouched(directory, () => CliRunner.Run("report", directory));
    }

    [Fact]
    public void Train_into_a_file_is_refused_and_leaves_the_file_as_it_was()
    {
        var file = _temporary.Combine("a-file");
        File.WriteAllText(file, "mine");

        AssertOneErrorLine(CliRunner.Run(["train", "--out", file, .. FinishedRunFixture.Settings]));
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_second_writer_is_refused_naming_the_first_while_readers_still_work()
    {
        var directory = _temporary.Combine("busy");
        string[] settings = ["--k", "3", "--chains", "64", "--rounds", "1000000", "--checkpoint-every", "1", "--evaluate-every", "0"];
        using var writer = CliRunner.Start(["train", "--out", directory, "--threads", "1", .. settings]);
        var drained = Task.WhenAll(writer.StandardOutput.ReadToEndAsync(), writer.StandardError.ReadToEndAsync());
        try
        {
            await CliRunner.WaitForCheckpoint(directory, writer);

            foreach (var second in new[] { CliRunner.Run("resume", directory), CliRunner.Run(["train", "--out", directory, .. settings]) })
            {
                AssertOneErrorLine(second);
                Assert.Contains($"in use by another latentcycles process (pid {writer.Id})", second.Stderr);
            }
            var reader = CliRunner.Run("export", directory);
            Assert.True(reader.ExitCode == 0, reader.ToString());
        }
        finally
        {
            writer.Kill();
            await drained;
        }
    }

    /// <summary>A gzip-compressed IDX images file of <paramref name="count"/> 28×28 images followed by <paramref name="zeros"/> zero bytes.</summary>
    private string IdxFile(string name, int count, int zeros)
    {
        var path = _temporary.Combine($"{name}-images-idx3-ubyte.gz");
        using var gzip = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest);
        gzip.Write(TestImages.Idx([count, 28, 28], []));
        var block = new byte[1 << 20];
        for (var left = zeros; left > 0; left -= block.Length) gzip.Write(block, 0, Math.Min(left, block.Length));
        return path;
    }

    private static CliResult AssertUntouched(string directory, Func<CliResult> act)
    {
        var before = Files.Hashes(directory);
        var result = act();
        AssertOneErrorLine(result);
        Assert.Equal(before, Files.Hashes(directory));
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
