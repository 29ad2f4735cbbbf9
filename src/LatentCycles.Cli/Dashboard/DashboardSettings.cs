namespace LatentCycles.Cli.Dashboard;

/// <summary>Where the dashboard listens: <c>--dashboard PORT</c> (0: any free port) on <c>--dashboard-host</c>.</summary>
internal sealed record DashboardSettings(string Host, int Port)
{
    public const string DefaultHost = "127.0.0.1";
}
