using System.Globalization;
using System.Text;
using LatentCycles.Core.Evaluation;
using LatentCycles.Core.Training;

namespace LatentCycles.Training;

/// <summary>A metrics.csv that cannot be read; the message is one line naming the file, line and column.</summary>
public sealed class MetricsFormatException(string message) : FormatException(message);

/// <summary>
/// RunDirectory/metrics.csv, one <see cref="MetricsRow"/> per completed round: <c>round</c> is the number of rounds
/// completed (1 on the first row, as on the console and in <c>eval</c>), likelihoods are in nats per image, empty cells
/// are values the round did not compute, <c>elapsed_seconds</c> counts training time over every session of the run and
/// <c>timestamp</c> is ISO 8601 UTC. Rewritten from a checkpoint's history on resume, then appended to, flushed per
/// row. The reader finds columns by name, and reads files written before the <c>timestamp</c> column, which numbered
/// rows from round 0 and may lack <c>nodes</c>.
/// </summary>
public sealed class MetricsCsv : IDisposable
{
    public const string Header = "round,minibatch_ll_nats,train_ll_nats,train_ll_se_nats,test_ll_nats,test_ll_se_nats," +
        "entropy_production_nats,self_transition,largest_current,chain_steps_per_second,nodes,elapsed_seconds,timestamp";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private static readonly string[] Columns = Header.Split(',');
    private static readonly string[] OptionalColumns = ["nodes", "elapsed_seconds", "timestamp"];

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

    public static string Format(MetricsRow row) => string.Join(',',
        row.Round.ToString(CultureInfo.InvariantCulture),
        Number(row.MinibatchLogLikelihood),
        Number(row.TrainLogLikelihood?.MeanNats),
        Number(row.TrainLogLikelihood?.StandardErrorNats),
        Number(row.TestLogLikelihood?.MeanNats),
        Number(row.TestLogLikelihood?.StandardErrorNats),
        Number(row.EntropyProduction),
        Number(row.SelfTransition),
        Number(row.LargestCurrent),
        Number(row.ChainStepsPerSecond),
        row.Nodes?.ToString(CultureInfo.InvariantCulture) ?? "",
        Number(row.ElapsedSeconds),
        row.Timestamp?.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture) ?? "");

    /// <summary>Reads the file at <paramref name="path"/>, which may be being appended to: a last line without its newline is left out.</summary>
    /// <exception cref="MetricsFormatException">the file is missing or malformed.</exception>
    public static IReadOnlyList<MetricsRow> Read(string path)
    {
        if (!File.Exists(path)) throw new MetricsFormatException($"{path}: no such file");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n') + 1;
        return Parse(new StringReader(complete > 0 ? text[..complete] : text), path);
    }

    /// <summary>Parses CSV text whose first line is the header; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="MetricsFormatException">the text is not a metrics file.</exception>
    public static IReadOnlyList<MetricsRow> Parse(TextReader reader, string source)
    {
        var header = reader.ReadLine() ?? throw new MetricsFormatException($"{source}: empty metrics file (no header)");
        var names = header.Split(',');
        var index = Columns.Select(c => Array.IndexOf(names, c)).ToArray();
        for (var c = 0; c < Columns.Length; c++)
            if (index[c] < 0 && !OptionalColumns.Contains(Columns[c]))
                throw new MetricsFormatException($"{source}: the header has no column '{Columns[c]}'");
        var roundOffset = index[Array.IndexOf(Columns, "timestamp")] < 0 ? 1 : 0;

        var rows = new List<MetricsRow>();
        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != names.Length)
                throw new MetricsFormatException($"{source}, line {lineNumber}: {cells.Length} cells, the header has {names.Length}");
            rows.Add(new RowReader(cells, index, $"{source}, line {lineNumber}").Row(roundOffset));
        }
        return rows;
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private readonly record struct RowReader(string[] Cells, int[] Index, string Where)
    {
        public MetricsRow Row(int roundOffset) => new(
            Round: Integer(0) + roundOffset,
            MinibatchLogLikelihood: Required(1),
            EntropyProduction: Cell(6),
            SelfTransition: Required(7),
            LargestCurrent: Required(8),
            TrainLogLikelihood: Figure(2),
            TestLogLikelihood: Figure(4),
            ChainStepsPerSecond: Cell(9),
            Nodes: Text(10) is null ? null : Integer(10),
            ElapsedSeconds: Cell(11),
            Timestamp: Timestamp(12));

        private string? Text(int column)
        {
            var at = Index[column];
            return at < 0 || Cells[at].Length == 0 ? null : Cells[at];
        }

        private double? Cell(int column)
        {
            if (Text(column) is not { } text) return null;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new MetricsFormatException($"{Where}: '{text}' in column '{Columns[column]}' is not a number");
            return value;
        }

        private double Required(int column) => Cell(column) ?? throw new MetricsFormatException($"{Where}: column '{Columns[column]}' is empty");

        private int Integer(int column)
        {
            var value = Required(column);
            if (value < 0 || value != Math.Floor(value) || value > int.MaxValue)
                throw new MetricsFormatException($"{Where}: {Columns[column]} '{Text(column)}' is not a non-negative integer");
            return (int)value;
        }

        /// <summary>A mean and its standard error (the next column); an error bar without its mean is malformed.</summary>
        private LikelihoodEstimate? Figure(int column)
        {
            var (mean, error) = (Cell(column), Cell(column + 1));
            if (mean is null && error is not null) throw new MetricsFormatException($"{Where}: '{Columns[column + 1]}' without '{Columns[column]}'");
            return mean is { } m ? new LikelihoodEstimate(m, error ?? 0) : null;
        }

        private DateTimeOffset? Timestamp(int column)
        {
            if (Text(column) is not { } text) return null;
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
                throw new MetricsFormatException($"{Where}: '{text}' in column 'timestamp' is not an ISO 8601 time");
            return value;
        }
    }
}
