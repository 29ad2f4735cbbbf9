using System.CommandLine;

namespace LatentCycles.Cli.Commands;

/// <summary><c>latentcycles help [COMMAND]</c>: the usage of the program or of one command, as <c>--help</c> prints it.</summary>
internal static class HelpCommand
{
    public static Command Create(RootCommand root)
    {
        var name = new Argument<string?>("COMMAND") { Description = "The command to describe", Arity = ArgumentArity.ZeroOrOne };
        var json = CommandConventions.JsonOption();
        var command = new Command("help", "Show how to use the program or one of its commands") { name, json };
        command.SetAction(parseResult =>
        {
            var wanted = parseResult.GetValue(name);
            Command described = root;
            if (wanted is not null)
                described = root.Subcommands.FirstOrDefault(c => c.Name == wanted)
                    ?? throw new CliException($"no command '{wanted}'; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))}");
            var output = parseResult.InvocationConfiguration.Output;
            string[] helpArgs = described == root ? ["--help"] : [described.Name, "--help"];
            root.Parse(helpArgs).Invoke(new InvocationConfiguration { Output = output, Error = parseResult.InvocationConfiguration.Error });
            if (parseResult.GetValue(json))
                CommandConventions.WriteJsonLine(output, new
                {
                    Command = described == root ? null : described.Name,
                    Description = described.Description,
                    Subcommands = described.Subcommands.Select(c => new { c.Name, c.Description }).ToList(),
                    Options = described.Options.Where(o => !o.Hidden).Select(o => new { o.Name, o.Description }).ToList(),
                });
            return 0;
        });
        return command;
    }
}
