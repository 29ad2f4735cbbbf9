using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Reporting;

/// <summary>How reports and experiment directories name the trained model of a configuration.</summary>
public static class RunNaming
{
    public const string TwoStepModel = "neq two-step";
    public const string ExactModel = "neq exact";
    public const string RbmModel = "RBM (PCD)";

    /// <summary><see cref="TwoStepModel"/>, <see cref="ExactModel"/> or <see cref="RbmModel"/>.</summary>
    public static string Describe(TrainingConfig config) => config.Model switch
    {
        ModelKind.Rbm => RbmModel,
        _ => config.Gradient == GradientKind.Exact ? ExactModel : TwoStepModel,
    };

    /// <summary>The order of the experiment's tables and legends: the two nonequilibrium gradients, then the RBM.</summary>
    public static int Order(string model) => model switch
    {
        TwoStepModel => 0,
        ExactModel => 1,
        RbmModel => 2,
        _ => 3,
    };

    /// <summary>The run's subdirectory in an experiment: "neq-two-step-seed1", "neq-exact-seed1", "rbm-pcd-seed1".</summary>
    public static string DirectoryName(TrainingConfig config) => config.Model switch
    {
        ModelKind.Rbm => $"rbm-pcd-seed{config.Seed}",
        _ => $"neq-{(config.Gradient == GradientKind.Exact ? "exact" : "two-step")}-seed{config.Seed}",
    };

    /// <summary>True for the tied-parameter baseline, whose chain is at equilibrium by construction (MODEL.md §6).</summary>
    public static bool IsEquilibrium(string model) => model == RbmModel;
}
