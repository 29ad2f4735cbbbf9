using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using LatentCycles.Cli.Dashboard;

namespace LatentCycles.Cli.Commands;

/// <summary><c>--dashboard PORT</c> and <c>--dashboard-host</c> of <c>train</c> and <c>resume</c>.</summary>
internal sealed record DashboardOptions(Option<int?> Port, Option<string> Host)
{
    public static DashboardOptions Create() => new(
        new Option<int?>("--dashboard")
        {
            Description = "Serve a live dashboard (and Prometheus /metrics) on this port; 0 picks a free port",
            HelpName = "PORT",
        },
        new Option<string>("--dashboard-host")
        {
            Description = "Address the dashboard listens on (0.0.0.0: every interface)",
            DefaultValueFactory = _ => DashboardSettings.DefaultHost,
        });

    /// <summary>The dashboard's settings, or null without <c>--dashboard</c>.</summary>
    public DashboardSettings? Read(ParseResult parseResult)
    {
        if (parseResult.GetValue(Port) is not { } port)
        {
            if (parseResult.GetResult(Host) is { Implicit: false }) throw new CliException("--dashboard-host needs --dashboard PORT");
            return null;
        }
        return Validated(parseResult.GetValue(Host)!, port, Host.Name, Port.Name);
    }

    /// <summary>Checks the address and that the port is free; the option names go into the error messages.</summary>
    public static DashboardSettings Validated(string host, int port, string hostOption, string portOption)
    {
        if (!IPAddress.TryParse(host, out var address))
            throw new CliException($"{hostOption} must be an IP address such as 127.0.0.1 or 0.0.0.0, got '{host}'");
        if (port is < 0 or > 65535) throw new CliException($"{portOption} must be a port between 0 and 65535, got {port}");
        RequireFree(address, port, portOption);
        return new DashboardSettings(host, port);
    }

    /// <summary>Binds the port once before anything is written, so a busy port leaves no half-made run directory behind.</summary>
    private static void RequireFree(IPAddress address, int port, string portOption)
    {
        var probe = new TcpListener(address, port);
        try
        {
            probe.Start();
        }
        catch (SocketException e)
        {
            throw new CliException($"the dashboard cannot listen on {address}:{port}: {e.Message}; choose another {portOption}");
        }
        finally
        {
            probe.Stop();
        }
    }
}
