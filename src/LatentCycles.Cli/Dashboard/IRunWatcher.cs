using LatentCycles.Core.Model;

namespace LatentCycles.Cli.Dashboard;

/// <summary>What a run tells those who watch it (the dashboard) as it goes; called from the trainer's thread.</summary>
internal interface IRunWatcher
{
    /// <summary>A round completed.</summary>
    void RoundCompleted(RoundPoint point);

    /// <summary>The parameters after <paramref name="round"/> rounds, for the pictures of the model.</summary>
    void ModelChanged(int round, ModelParameters parameters);

    /// <summary>The checkpoint of <paramref name="round"/> is stored.</summary>
    void CheckpointSaved(int round);

    /// <summary>The run ended with <paramref name="outcome"/> (finished, stopped, diverged).</summary>
    void RunEnded(string outcome);
}
