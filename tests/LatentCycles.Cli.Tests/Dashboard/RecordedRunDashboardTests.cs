using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using LatentCycles.Cli.Tests.Cluster;

namespace LatentCycles.Cli.Tests.Dashboard;

[Collection(FinishedRunCollection.Name)]
public sealed class RecordedRunDashboardTests(FinishedRunFixture run)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_dashboard_of_a_finished_run_serves_its_recorded_rounds_and_model()
    {
        using var server = ClusterProcess.Start("dashboard", "dashboard", run.Directory, "--port", "0");
        server.WaitForOutput(" at http://", Timeout);
        var address = new Uri(Regex.Match(server.Output, @" at (http://\S+?); ").Groups[1].Value);
        using var http = new HttpClient { BaseAddress = address, Timeout = Timeout };

        var page = await http.GetStringAsync("");
        Assert.Contains("<svg id=\"chart-ll\"", page);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org/2000/svg", ""));

        using var events = new StreamReader(await http.GetStreamAsync("events"));
        Assert.Equal("event: init", await events.ReadLineAsync());
        var data = await events.ReadLineAsync();
        var init = JsonDocument.Parse(data!["data: ".Length..]).RootElement;
        Assert.Equal("finished", init.GetProperty("header").GetProperty("status").GetString());
        Assert.Equal([1, 2, 3, 4], init.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("round").GetInt32()));
        var model = init.GetProperty("model");
        Assert.Equal(4, model.GetProperty("round").GetInt32());
        Assert.Equal(9, model.GetProperty("kernel").GetArrayLength());
        var states = model.GetProperty("sampleStates").EnumerateArray().Select(s => s.GetInt32()).ToList();
        Assert.Equal(states.Order(), states);
    }
}
