using System.CommandLine;
using System.CommandLine.Parsing;
using LatentCycles.Cli.Commands;
using LatentCycles.Core.Data;
using LatentCycles.Training;
using LatentCycles.Training.Serialization;

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
        root.Subcommands.Add(DashboardCommand.Create());
        root.Subcommands.Add(HelpCommand.Create(root));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // A bare call shows what the program can do rather than an error about a missing command.
        if (args.Length == 0) args = ["--help"];
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            error.WriteLine($"error: {OneLine(string.Join("; ", parseResult.Errors.Select(Describe).Distinct()))}");
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
            error.WriteLine($"error: unexpected failure: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>A parse error in the program's words: a value of the wrong kind is named as such, not by its .NET type.</summary>
    private static string Describe(ParseError error)
    {
        if (error.SymbolResult is OptionResult { Option: var option } result
            && (Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType) is var type
            && type.FullName is { } typeName && error.Message.Contains(typeName, StringComparison.Ordinal))
        {
            var kind = Type.GetTypeCode(type) switch
            {
                TypeCode.Int32 or TypeCode.Int64 => "a whole number",
                TypeCode.UInt32 or TypeCode.UInt64 => "a whole number ≥ 0",
                TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "a number",
                _ => "a valid value",
            };
            var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            return $"{option.Name} must be {kind}, got '{token}'";
        }
        return error.Message;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
