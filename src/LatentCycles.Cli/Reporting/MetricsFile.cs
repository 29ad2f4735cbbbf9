using System.Globalization;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// One row of a run's metrics.csv: what training measured after a round. Likelihoods are mean log-likelihoods in nats
/// per image; null where the round did not compute the value (fresh-sample estimates only on evaluation rounds,
/// entropy production when undefined).
/// </summary>
public sealed record RoundRecord(
    int Round,
    double MinibatchLogLikelihood,
    double? TrainLogLikelihood,
    double? TrainLogLikelihoodError,
    double? TestLogLikelihood,
    double? TestLogLikelihoodError,
    double? EntropyProduction,
    double SelfTransition,
    double LargestCurrent,
    double? ChainStepsPerSecond);

/// <summary>Reads metrics.csv (the columns of training-contract.md, found by header name so their order may change).</summary>
public static class MetricsFile
{
    public const string FileName = "metrics.csv";

    private static readonly string[] Columns =
    [
        "round", "minibatch_ll_nats", "train_ll_nats", "train_ll_se_nats", "test_ll_nats", "test_ll_se_nats",
        "entropy_production_nats", "self_transition", "largest_current", "chain_steps_per_second",
    ];

    /// <summary>Reads <paramref name="path"/>; <see cref="CliException"/> with one line when it is missing or malformed.</summary>
    public static IReadOnlyList<RoundRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new CliException($"{path}: no such file");
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    /// <summary>Parses CSV text whose first line is the header; <paramref name="source"/> names it in error messages.</summary>
    public static IReadOnlyList<RoundRecord> Parse(TextReader reader, string source)
    {
        var header = reader.ReadLine() ?? throw new CliException($"{source}: empty metrics file (no header)");
        var names = header.Split(',');
        var index = new int[Columns.Length];
        for (var c = 0; c < Columns.Length; c++)
        {
            index[c] = Array.IndexOf(names, Columns[c]);
            if (index[c] < 0) throw new CliException($"{source}: the header has no column '{Columns[c]}'");
        }

        var rows = new List<RoundRecord>();
        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != names.Length)
                throw new CliException($"{source}, line {lineNumber}: {cells.Length} cells, the header has {names.Length}");
            double? Cell(int column)
            {
                var text = cells[index[column]];
                if (text.Length == 0) return null;
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw new CliException($"{source}, line {lineNumber}: '{text}' in column '{Columns[column]}' is not a number");
                return value;
            }
            double Required(int column) =>
                Cell(column) ?? throw new CliException($"{source}, line {lineNumber}: column '{Columns[column]}' is empty");

            var round = Required(0);
            if (round < 0 || round != Math.Floor(round) || round > int.MaxValue)
                throw new CliException($"{source}, line {lineNumber}: round '{cells[index[0]]}' is not a non-negative integer");
            rows.Add(new RoundRecord((int)round, Required(1), Cell(2), Cell(3), Cell(4), Cell(5), Cell(6), Required(7), Required(8), Cell(9)));
        }
        return rows;
    }
}
