using LatentCycles.Core.Training;

namespace LatentCycles.Cli.Reporting;

/// <summary>How reports and experiment directories name the trained model of a configuration.</summary>
public static class RunNaming
{
    public const string RbmModel = "RBM (PCD)";

    /// <summary>"neq two-step", "neq exact" or <see cref="RbmModel"/>.</summary>
    public static string Describe(TrainingConfig config) => config.Model switch
    {
        ModelKind.Rbm => RbmModel,
        _ => config.Gradient == GradientKind.Exact ? "neq exact" : "neq two-step",
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
