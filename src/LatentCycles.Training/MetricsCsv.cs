using System.Globalization;
using System.Text;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training;

/// <summary>
/// RunDirectory/metrics.csv: one row per completed round (the round's 0-based index in the first column), empty cells for
/// what that round did not compute. Rewritten from a checkpoint's history on resume, then appended to, flushed per row.
/// </summary>
internal sealed class MetricsCsv : IDisposable
{
    public const string Header = "round,minibatch_ll_nats,train_ll_nats,train_ll_se_nats,test_ll_nats,test_ll_se_nats," +
        "entropy_production_nats,self_transition,largest_current,chain_steps_per_second,nodes";

    private readonly StreamWriter _writer;

    private MetricsCsv(StreamWriter writer) => _writer = writer;

    /// <summary>Replaces the file with the header and <paramref name="history"/>, and keeps it open for appending.</summary>
    public static MetricsCsv Rewrite(string path, IEnumerable<MetricsRow> history)
    {
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        var csv = new MetricsCsv(writer);
        writer.WriteLine(Header);
        foreach (var row in history) writer.WriteLine(Format(row));
        writer.Flush();
        return csv;
    }

    public void Append(MetricsRow row)
    {
        _writer.WriteLine(Format(row));
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    internal static string Format(MetricsRow row)
    {
        var m = row.Metrics;
        return string.Join(',',
            m.Round.ToString(CultureInfo.InvariantCulture),
            Number(m.MinibatchLogLikelihood),
            Number(row.TrainLogLikelihood?.MeanNats),
            Number(row.TrainLogLikelihood?.StandardErrorNats),
            Number(row.TestLogLikelihood?.MeanNats),
            Number(row.TestLogLikelihood?.StandardErrorNats),
            Number(m.EntropyProduction),
            Number(m.SelfTransition),
            Number(m.LargestCurrent),
            Number(row.ChainStepsPerSecond),
            row.Nodes.ToString(CultureInfo.InvariantCulture));
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
