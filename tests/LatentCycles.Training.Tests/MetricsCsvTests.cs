using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Tests;

public class MetricsCsvTests
{
    [Fact]
    public void Rows_read_back_as_written_with_empty_cells_for_missing_values()
    {
        MetricsRow[] rows =
        [
            new(1, -210.5, null, 0.91, 0.01, ChainStepsPerSecond: 350000, Nodes: 2, ElapsedSeconds: 0.25,
                Timestamp: new DateTimeOffset(2026, 11, 30, 10, 15, 0, 125, TimeSpan.Zero)),
            new(2, -200.25, 0.125, 0.85, 0.02, new LikelihoodEstimate(-199, 0.5), new LikelihoodEstimate(-201, 0.6)),
        ];
        var text = MetricsCsv.Header + "\n" + string.Join("", rows.Select(r => MetricsCsv.Format(r) + "\n"));

        Assert.Equal(rows, MetricsCsv.Parse(new StringReader(text), "metrics.csv"));
        Assert.EndsWith(",2026-11-30T10:15:00.125Z", MetricsCsv.Format(rows[0]));
        Assert.EndsWith("0.02,,,,", MetricsCsv.Format(rows[1]));
    }

    [Fact]
    public void Columns_are_found_by_name_and_files_without_timestamps_are_renumbered_from_round_1()
    {
        var text = "self_transition,round,largest_current,minibatch_ll_nats,train_ll_nats,train_ll_se_nats,test_ll_nats," +
                   "test_ll_se_nats,entropy_production_nats,chain_steps_per_second\n0.5,3,0.1,-100,,,,,0.2,\n";

        var row = Assert.Single(MetricsCsv.Parse(new StringReader(text), "m.csv"));

        Assert.Equal(new MetricsRow(4, -100, 0.2, 0.5, 0.1), row);
    }

    [Fact]
    public void A_last_line_still_being_written_is_left_out()
    {
        var path = Path.Combine(Path.GetTempPath(), $"latentcycles-metrics-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, MetricsCsv.Header + "\n" + MetricsCsv.Format(new MetricsRow(1, -1, null, 0.5, 0.1)) + "\n2,-1,,");

            Assert.Equal([1], MetricsCsv.Read(path).Select(r => r.Round));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("round,minibatch_ll_nats\n0,1\n", "no column")]
    [InlineData(MetricsCsv.Header + "\n1,abc,,,,,,0.9,0.1,,,,\n", "is not a number")]
    [InlineData(MetricsCsv.Header + "\n1,-1,,,,,,0.9\n", "cells")]
    [InlineData(MetricsCsv.Header + "\n0.5,-1,,,,,,0.9,0.1,,,,\n", "non-negative integer")]
    [InlineData(MetricsCsv.Header + "\n1,-1,,0.5,,,,0.9,0.1,,,,\n", "without")]
    [InlineData(MetricsCsv.Header + "\n1,-1,,,,,,0.9,0.1,,,,yesterday\n", "ISO 8601")]
    [InlineData("", "empty")]
    public void A_malformed_file_fails_with_one_line_naming_the_problem(string text, string expected)
    {
        var error = Assert.Throws<MetricsFormatException>(() => MetricsCsv.Parse(new StringReader(text), "metrics.csv"));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
