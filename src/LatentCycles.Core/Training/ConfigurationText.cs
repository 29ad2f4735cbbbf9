using System.Globalization;

namespace LatentCycles.Core.Training;

/// <summary>One setting in which two runs differ, named as the <c>train</c> option that sets it.</summary>
public sealed record ConfigurationDifference(string Setting, string Stored, string Given);

/// <summary>
/// A run's configuration in the words of the <c>train</c> options (<c>--k 10</c>, <c>--optimizer rmsprop</c>): the
/// names of the choices, and the one way every command and the runner say how two runs differ.
/// </summary>
public static class ConfigurationText
{
    public static readonly IReadOnlyDictionary<string, OptimizerKind> Optimizers =
        new Dictionary<string, OptimizerKind> { ["rmsprop"] = OptimizerKind.RmsProp, ["adam"] = OptimizerKind.Adam };

    public static readonly IReadOnlyDictionary<string, LearningRateSchedule> LearningRateSchedules = new Dictionary<string, LearningRateSchedule>
    {
        ["constant"] = LearningRateSchedule.Constant,
        ["inverse-sqrt"] = LearningRateSchedule.InverseSqrt,
        ["inverse"] = LearningRateSchedule.Inverse,
    };

    public static readonly IReadOnlyDictionary<string, GradientKind> Gradients =
        new Dictionary<string, GradientKind> { ["two-step"] = GradientKind.TwoStep, ["exact"] = GradientKind.Exact };

    public static readonly IReadOnlyDictionary<string, BaselineKind> Baselines = new Dictionary<string, BaselineKind>
    {
        ["pi-mean"] = BaselineKind.StationaryMean,
        ["plain-mean"] = BaselineKind.PlainMean,
        ["optimal"] = BaselineKind.Optimal,
        ["optimal-per-block"] = BaselineKind.OptimalPerBlock,
    };

    public static readonly IReadOnlyDictionary<string, ModelKind> Models =
        new Dictionary<string, ModelKind> { ["neq"] = ModelKind.Neq, ["rbm"] = ModelKind.Rbm };

    /// <summary>The option name of a choice, e.g. "two-step".</summary>
    public static string NameOf<T>(IReadOnlyDictionary<string, T> choices, T value) where T : struct, Enum =>
        choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Key;

    /// <summary>Every setting that determines a run's result, with the data it trains on, in the order the user meets them.</summary>
    public static IReadOnlyList<(string Setting, string Value)> Settings(TrainingConfig c, string data) =>
    [
        ("--data", data),
        ("--k", Invariant(c.K)),
        ("--chains", Invariant(c.Chains)),
        ("--rounds", Invariant(c.Rounds)),
        ("--sweeps", Invariant(c.Sweeps)),
        ("--lr", c.LearningRate.ToString("R", CultureInfo.InvariantCulture)),
        ("--decoder-lr-scale", c.DecoderLearningRateScale.ToString("R", CultureInfo.InvariantCulture)),
        ("--lr-schedule", NameOf(LearningRateSchedules, c.LearningRateSchedule)),
        ("--lr-time-constant", c.LearningRateTimeConstant.ToString("R", CultureInfo.InvariantCulture)),
        ("--optimizer", NameOf(Optimizers, c.Optimizer)),
        ("--gradient", NameOf(Gradients, c.Gradient)),
        ("--baseline", NameOf(Baselines, c.Baseline)),
        ("--init-noise", c.InitNoise.ToString("R", CultureInfo.InvariantCulture)),
        ("--decoder-smoothing", c.DecoderSmoothing.ToString("R", CultureInfo.InvariantCulture)),
        ("--model", NameOf(Models, c.Model)),
        ("--seed", Invariant(c.Seed)),
        ("minibatch size", Invariant(c.MinibatchSize)),
        ("--block-size", Invariant(c.BlockSize)),
    ];

    /// <summary>The settings in which <paramref name="given"/> differs from <paramref name="stored"/>, in <see cref="Settings"/> order.</summary>
    public static IReadOnlyList<ConfigurationDifference> Differences(TrainingConfig stored, string storedData, TrainingConfig given, string givenData)
    {
        var before = Settings(stored, storedData);
        var after = Settings(given, givenData);
        return before.Zip(after)
            .Where(p => p.First.Value != p.Second.Value)
            .Select(p => new ConfigurationDifference(p.First.Setting, p.First.Value, p.Second.Value))
            .ToList();
    }

    /// <summary>
    /// The differences as one phrase, e.g. "--seed 5 in <paramref name="storedPlace"/>, 6 in <paramref name="givenPlace"/>".
    /// </summary>
    public static string Describe(IEnumerable<ConfigurationDifference> differences, string storedPlace, string givenPlace) =>
        string.Join("; ", differences.Select(d => $"{d.Setting} {d.Stored} in {storedPlace}, {d.Given} in {givenPlace}"));

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
