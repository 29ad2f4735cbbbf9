using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using PuppeteerSharp;

namespace LatentCycles.Cli.Tests.Dashboard;

/// <summary>A fact that needs the system Chromium (Debian's <c>chromium</c>, which .ci/run installs); skipped without it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ChromiumPath)) Skip = $"no Chromium at {ChromiumPath} (apt-get install chromium)";
    }
}

[Collection(LiveRunCollection.Name)]
public sealed class DashboardTests(LiveRunFixture run)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [ChromiumFact]
    public async Task The_page_in_a_real_browser_draws_new_points_as_rounds_complete()
    {
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        await page.GoToAsync(run.Address.ToString());
        var waiting = new WaitForFunctionOptions { Timeout = (int)Timeout.TotalMilliseconds, PollingInterval = 100 };

        const string drawn = "id => Number(document.getElementById(id).dataset.points)";
        await page.WaitForFunctionAsync($"() => ({drawn})('chart-self') > 0 && ({drawn})('chart-ll') > 0", waiting);
        var self = await page.EvaluateFunctionAsync<int>(drawn, "chart-self");
        var likelihood = await page.EvaluateFunctionAsync<int>(drawn, "chart-ll");

        await page.WaitForFunctionAsync($"(s, l) => ({drawn})('chart-self') > s && ({drawn})('chart-ll') > l", waiting, self, likelihood);
        Assert.Equal("live", await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Prometheus_metrics_report_the_round_advancing()
    {
        using var http = new HttpClient { BaseAddress = run.Address, Timeout = Timeout };
        // The page's event stream says when rounds are done: no guessing how long a round takes. Its events may have
        // queued up, so the test waits for one of a round after the first scrape.
        using var events = new StreamReader(await http.GetStreamAsync("events"));
        await RoundAfter(events, 0);
        var first = Gauge(await http.GetStringAsync("metrics"), "latentcycles_round");
        await RoundAfter(events, (int)first);
        var text = await http.GetStringAsync("metrics");

        Assert.True(Gauge(text, "latentcycles_round") > first, text);
        Assert.Contains("latentcycles_self_transition", text);
        Assert.Contains("latentcycles_chain_steps_per_second", text);
        Assert.Contains("latentcycles_nodes", text);
        Assert.Contains("latentcycles_checkpoint_age_seconds", text);
    }

    /// <summary>Reads the event stream up to the event of a round after <paramref name="round"/>.</summary>
    private static async Task RoundAfter(StreamReader events, int round)
    {
        var type = "";
        while (await events.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line["event: ".Length..];
            else if (type == "round" && line.StartsWith("data: ", StringComparison.Ordinal)
                && JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("round").GetInt32() > round) return;
        }
        Assert.Fail("the event stream ended");
    }

    private static double Gauge(string exposition, string name)
    {
        var match = Regex.Match(exposition, $@"^{name}(?:\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"no {name} in\n{exposition}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
