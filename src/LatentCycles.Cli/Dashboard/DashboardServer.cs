using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace LatentCycles.Cli.Dashboard;

/// <summary>
/// The dashboard's web server (Kestrel): the page at <c>/</c> (one embedded HTML file, scripts and styles inline, no
/// external resources, so it works offline), its event stream at <c>/events</c>, and Prometheus' text format at
/// <c>/metrics</c> (OpenTelemetry's exporter over <see cref="RunGauges"/>).
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private const string PageResource = "LatentCycles.Cli.Dashboard.dashboard.html";

    private readonly WebApplication _app;
    private readonly RunGauges _gauges;

    private DashboardServer(WebApplication app, RunGauges gauges, Uri address)
    {
        _app = app;
        _gauges = gauges;
        Address = address;
    }

    /// <summary>Where the page is, e.g. http://127.0.0.1:8080/ (with port 0 asked for, the port the system chose).</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="feed"/>; <see cref="CliException"/> when the address cannot be bound.</summary>
    public static async Task<DashboardServer> StartAsync(RunFeed feed, string host, int port)
    {
        var address = IPAddress.Parse(host);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port));
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(RunGauges.MeterName)
            .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        var page = ReadPage();
        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        app.MapGet("/events", (CancellationToken cancel) => TypedResults.ServerSentEvents(feed.Events(cancel)));
        app.MapPrometheusScrapingEndpoint();

        var gauges = new RunGauges(feed);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            gauges.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw new CliException($"cannot serve the dashboard on {host}:{port}: {e.Message}");
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, gauges, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _gauges.Dispose();
    }

    private static string ReadPage()
    {
        using var stream = typeof(DashboardServer).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"the assembly lacks its resource {PageResource}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
