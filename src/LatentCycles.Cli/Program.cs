using System.CommandLine;
using LatentCycles.Cli.Commands;
using LatentCycles.Core.Checkpoints;
using LatentCycles.Core.Data;
using LatentCycles.Training;

namespace LatentCycles.Cli;

/// <summary>
/// The <c>latentcycles</c> program. Each command lives in <c>Commands/XxxCommand.cs</c> with a
/// <c>static Command Create()</c> and follows <see cref="CommandConventions"/>. Exit codes: 0 success,
/// 2 a user error (bad command line, <see cref="CliException"/>, unreadable data or checkpoint), 1 any other failure; errors are one
/// line <c>error: …</c> on stderr.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("LatentCycles: a nonequilibrium latent-cycle generative model trained by actors");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ResumeCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(BaselineCommand.Create());
        root.Subcommands.Add(ExperimentCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            error.WriteLine($"error: {OneLine(string.Join("; ", parseResult.Errors.Select(e => e.Message)))}");
            return 2;
        }
        try
        {
            return parseResult.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is CliException or DataFormatException or CheckpointFormatException or RunStoreException or RunLockedException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return 2;
        }
        catch (Exception e)
        {
            error.WriteLine($"error: {e.GetType().Name}: {OneLine(e.Message)}");
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
