using System.Diagnostics;
using LatentCycles.Training;

namespace LatentCycles.Cli.Tests;

/// <summary>What a <c>latentcycles</c> invocation printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The last stdout line: the JSON result with <c>--json</c>.</summary>
    public string LastLine => Stdout.TrimEnd().Split('\n')[^1];

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs <c>latentcycles</c>: in-process through <see cref="Program.Run"/>, or as a child process of the built program.</summary>
internal static class CliRunner
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The built program beside the tests (the Cli project is referenced, so its output is copied here).</summary>
    public static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "latentcycles.dll");

    public static CliResult InProcess(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = Program.Run(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>dotnet exec latentcycles.dll args</c> with stdout and stderr redirected.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(ProgramPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>SHA-256 of a finished run's parameters through <c>export --json</c>, checking it ended at <paramref name="round"/>.</summary>
    public static string ExportedParametersHash(string directory, int round)
    {
        var export = Run("export", directory, "--json");
        Assert.True(export.ExitCode == 0, export.ToString());
        var json = System.Text.Json.JsonDocument.Parse(export.LastLine).RootElement;
        Assert.Equal(round, json.GetProperty("round").GetInt32());
        return json.GetProperty("parameters_sha256").GetString()!;
    }

    private static readonly TimeSpan CheckpointTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until the run in <paramref name="directory"/> has checkpointed <paramref name="round"/>, failing if <paramref name="process"/> ends first.</summary>
    public static async Task WaitForCheckpoint(string directory, Process process, int round = 0)
    {
        var stopwatch = Stopwatch.StartNew();
        while (LatestCheckpointRound(directory) < round && !process.HasExited && stopwatch.Elapsed < CheckpointTimeout)
            await Task.Delay(PollInterval);
        Assert.False(process.HasExited, "the run ended before it reached the checkpoint awaited");
    }

    /// <summary>More rounds than any test waits for: runs given this many end by a stop or a kill.</summary>
    public const int OpenEndedRounds = 1_000_000;

    /// <summary>
    /// Waits until the run in <paramref name="directory"/> has checkpointed <paramref name="round"/>, failing if
    /// <paramref name="process"/> ends first or the wait passes <paramref name="timeout"/>.
    /// </summary>
    public static void AwaitCheckpoint(string directory, Cluster.ClusterProcess process, int round, TimeSpan timeout) =>
        Assert.True(SpinWait.SpinUntil(() => LatestCheckpointRound(directory) >= round || process.HasExited, timeout)
            && !process.HasExited, $"the run did not checkpoint round {round}: {process.Output}");

    /// <summary>The round of the latest checkpoint, or −1 while there is none (or the store is busy being written).</summary>
    public static int LatestCheckpointRound(string directory)
    {
        try
        {
            return CheckpointStore.LoadLatest(directory).Round;
        }
        catch (RunStoreException)
        {
            return -1;
        }
    }

    /// <summary>Runs the program as a child process to the end.</summary>
    public static CliResult Run(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ProcessTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"latentcycles {string.Join(' ', args)} did not finish within {ProcessTimeout}");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
