using LatentCycles.Cli.Reporting;

namespace LatentCycles.Cli.Tests.Reporting;

public class MetricsFileTests
{
    private const string Header = "round,minibatch_ll_nats,train_ll_nats,train_ll_se_nats,test_ll_nats,test_ll_se_nats," +
                                  "entropy_production_nats,self_transition,largest_current,chain_steps_per_second";

    [Fact]
    public void Empty_cells_read_as_missing_values()
    {
        var text = Header + "\n0,-210.5,,,,,,0.91,0.01,350000\n1,-200.25,-199,0.5,-201,0.6,0.125,0.85,0.02,\n";

        var rows = MetricsFile.Parse(new StringReader(text), "metrics.csv");

        Assert.Equal(2, rows.Count);
        Assert.Equal(new RoundRecord(0, -210.5, null, null, null, null, null, 0.91, 0.01, 350000), rows[0]);
        Assert.Equal(new RoundRecord(1, -200.25, -199, 0.5, -201, 0.6, 0.125, 0.85, 0.02, null), rows[1]);
    }

    [Fact]
    public void Columns_are_found_by_name_whatever_their_order()
    {
        var text = "self_transition,round,largest_current,minibatch_ll_nats,train_ll_nats,train_ll_se_nats,test_ll_nats," +
                   "test_ll_se_nats,entropy_production_nats,chain_steps_per_second\n0.5,3,0.1,-100,,,,,0.2,\n";

        var row = Assert.Single(MetricsFile.Parse(new StringReader(text), "m.csv"));

        Assert.Equal(3, row.Round);
        Assert.Equal(0.5, row.SelfTransition);
        Assert.Equal(-100, row.MinibatchLogLikelihood);
    }

    [Theory]
    [InlineData("round,minibatch_ll_nats\n0,1\n", "no column")]
    [InlineData(Header + "\n0,abc,,,,,,0.9,0.1,\n", "is not a number")]
    [InlineData(Header + "\n0,-1,,,,,,0.9\n", "cells")]
    [InlineData(Header + "\n0.5,-1,,,,,,0.9,0.1,\n", "non-negative integer")]
    [InlineData("", "empty")]
    public void A_malformed_file_fails_with_one_line_naming_the_problem(string text, string expected)
    {
        var error = Assert.Throws<CliException>(() => MetricsFile.Parse(new StringReader(text), "metrics.csv"));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
