using Spectre.Console;

namespace LatentCycles.Cli.Tests;

public sealed class ProgressLineTests
{
    private static readonly ProgressFields Busy = new(1234, 2000, TimeSpan.FromSeconds(754), TimeSpan.FromSeconds(3725), 1_048_576,
        -164.81234, 0.0342, 0.012345, 12);

    private static readonly ProgressFields[] Lines =
    [
        Busy,
        Busy with { TestLlNats = null, TestLlSeNats = null, Nodes = null, Remaining = null },
        Busy with { Round = 2, TotalRounds = 2, TestLlNats = -1234567.891, TestLlSeNats = 3.6e-5, EntropyProduction = null },
        new(0, 123_456_789, TimeSpan.FromHours(30), TimeSpan.FromHours(4000), 123_456_789_012, -9.9e7, 1e4, 1e6, 1_000_000),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void At_COLUMNS_80_the_live_line_is_one_line_that_never_wraps(int example)
    {
        var fields = Lines[example];
        using var output = new StringWriter();
        var console = Consoles.For(output, interactive: false);
        console.Profile.Width = 200;
        var width = TerminalWidth.Of(console, name => name == "COLUMNS" ? "80" : null);

        console.Write(new Text(ProgressLine.Fit(fields, width, unicode: true)));
        console.WriteLine();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.InRange(lines[0].Length, 1, 79);
        Assert.StartsWith($"round {fields.Round}/{fields.TotalRounds}", lines[0]);
    }

    [Fact]
    public void At_80_columns_the_bar_percentage_and_ETA_stay_beside_the_test_log_likelihood()
    {
        var line = ProgressLine.Fit(Busy, 80, unicode: false);

        Assert.Contains("61%", line);
        Assert.Contains("ETA 1:02:05", line);
        Assert.Contains("test LL -164.812 ± 0.034 nats", line);
        Assert.Matches("  #+-+  61%", line);
        Assert.DoesNotContain("steps/s", line);
    }

    [Fact]
    public void Piped_lines_carry_elapsed_time_ETA_and_one_node_in_the_singular()
    {
        var line = ProgressLine.Plain(Busy with { Nodes = 1 });

        Assert.StartsWith("round 1234/2000 (61%)  elapsed 12:34  ETA 1:02:05  1.05 M chain steps/s  1 node  test LL", line);
        Assert.EndsWith("σ 0.0123 nats/step", line);
    }

    [Theory]
    [InlineData(-164.81234, 0.0034, "-164.8123 ± 0.0034")]
    [InlineData(-164.81234, 3.6e-5, "-164.812340 ± 0.000036")]
    [InlineData(-164.81234, 0.96, "-164.81 ± 0.96")]
    [InlineData(-164.81234, 12.3, "-164.81 ± 12.30")]
    public void Error_bars_are_fixed_point_to_the_decimals_of_their_error(double mean, double error, string expected) =>
        Assert.Equal(expected, Format.WithError(mean, error));

    [Fact]
    public void The_ETA_waits_for_the_warm_up_then_extrapolates_the_newer_half_of_the_rounds_after_it()
    {
        var now = TimeSpan.Zero;
        var clock = new RoundClock(startRound: 100, totalRounds: 200, () => now, warmUpRounds: 5);
        for (var round = 101; round <= 104; round++)
        {
            // Warm-up rounds are slow (JIT compilation, nodes joining): they must not enter the estimate.
            now += TimeSpan.FromSeconds(10);
            Assert.Null(clock.Record(round));
        }
        now += TimeSpan.FromSeconds(10);
        Assert.Null(clock.Record(105));
        for (var round = 106; round <= 110; round++)
        {
            now += TimeSpan.FromSeconds(2);
            Assert.Equal(TimeSpan.FromSeconds(2 * (200 - round)), clock.Record(round));
        }
        // The run speeds up: once the faster rounds are the newer half, they alone set the pace.
        for (var round = 111; round <= 120; round++)
        {
            now += TimeSpan.FromSeconds(0.5);
            clock.Record(round);
        }
        now += TimeSpan.FromSeconds(0.5);
        Assert.Equal(TimeSpan.FromSeconds(0.5 * (200 - 121)), clock.Record(121));
    }
}
