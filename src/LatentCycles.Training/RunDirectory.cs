using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LatentCycles.Core.Training;

namespace LatentCycles.Training;

/// <summary>The configuration a run directory was started with, and the data set it trains on (a name or a path).</summary>
public sealed record RunConfigFile(TrainingConfig Config, string Data);

/// <summary>The files of a run directory (docs/ARCHITECTURE.md, "Outputs of a run").</summary>
public static class RunDirectory
{
    public const string StoreFileName = "run.db";
    public const string MetricsFileName = "metrics.csv";
    public const string ConfigFileName = "config.json";

    /// <summary>Akka's log of the run (warnings and errors, with their stack traces), kept off the console.</summary>
    public const string LogFileName = "run.log";

    private const string DataKey = "data";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
        IgnoreReadOnlyProperties = true,
    };

    /// <summary>Writes RunDirectory/config.json: the configuration's settings in snake_case plus <c>data</c>.</summary>
    public static void WriteConfig(string runDirectory, TrainingConfig config, string dataName)
    {
        Directory.CreateDirectory(runDirectory);
        File.WriteAllText(Path.Combine(runDirectory, ConfigFileName), ConfigJson(config, dataName) + "\n");
    }

    /// <summary>The text of config.json: the configuration's settings in snake_case plus <c>data</c>.</summary>
    public static string ConfigJson(TrainingConfig config, string dataName)
    {
        var json = JsonSerializer.SerializeToNode(config, JsonOptions)!.AsObject();
        json[DataKey] = dataName;
        return json.ToJsonString(JsonOptions);
    }

    /// <summary>Reads RunDirectory/config.json; <see cref="RunStoreException"/> with one line when it is missing or malformed.</summary>
    public static RunConfigFile ReadConfig(string runDirectory)
    {
        var path = Path.Combine(runDirectory, ConfigFileName);
        if (!File.Exists(path)) throw new RunStoreException($"{path}: no such file (is {runDirectory} a run directory?)");
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("not a JSON object");
            var data = json[DataKey]?.GetValue<string>() ?? throw new JsonException($"no \"{DataKey}\" entry");
            json.Remove(DataKey);
            var config = json.Deserialize<TrainingConfig>(JsonOptions) ?? throw new JsonException("no configuration");
            return new RunConfigFile(config, data);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new RunStoreException($"{path}: not a valid run configuration ({e.Message.Split('\n')[0]})", e);
        }
    }
}
