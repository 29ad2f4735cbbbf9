using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentCycles.Cli.Reporting;

/// <summary>
/// The end-of-run evaluation as stored in a run's <c>report.json</c>: enough to rebuild a <see cref="RunEvaluation"/>
/// without estimating again (observables are recomputed from the kernel, samples redrawn from the checkpoint).
/// </summary>
/// <param name="Kernel">M, K×K row-major.</param>
public sealed record StoredEvaluation(int Round, double TestLlNats, double TestLlSeNats, int K, double[] Kernel, double? ClassKlNats);

/// <summary>What an experiment keeps beside a run's own files: the training wall time summed over sessions, and the evaluation.</summary>
public sealed record StoredRunReport(double WallSeconds, StoredEvaluation? Evaluation);

/// <summary>Reads and writes the report's own JSON files (snake_case keys, units in the names).</summary>
public static class ReportFiles
{
    /// <summary>Per run: <see cref="StoredRunReport"/>.</summary>
    public const string RunReportFileName = "report.json";

    /// <summary>Per experiment: the EM fits, a list of <see cref="CeilingRecord"/>.</summary>
    public const string CeilingsFileName = "ceilings.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static StoredRunReport? ReadRunReport(string runDirectory) =>
        Read<StoredRunReport>(Path.Combine(runDirectory, RunReportFileName));

    public static void WriteRunReport(string runDirectory, StoredRunReport report) =>
        Write(Path.Combine(runDirectory, RunReportFileName), report);

    public static IReadOnlyList<CeilingRecord> ReadCeilings(string experimentDirectory) =>
        Read<List<CeilingRecord>>(Path.Combine(experimentDirectory, CeilingsFileName)) ?? [];

    public static void WriteCeilings(string experimentDirectory, IReadOnlyList<CeilingRecord> ceilings) =>
        Write(Path.Combine(experimentDirectory, CeilingsFileName), ceilings);

    /// <summary>Null when the file does not exist; <see cref="CliException"/> with one line when it is not valid.</summary>
    private static T? Read<T>(string path) where T : class
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: not a valid report file ({e.Message.Split('\n')[0]}); delete it to recompute");
        }
    }

    /// <summary>Writes through a temporary file, so an interrupted write never leaves half a file behind.</summary>
    private static void Write<T>(string path, T value)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(value, JsonOptions) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}
