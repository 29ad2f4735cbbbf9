using LatentCycles.Core.Chains;
using LatentCycles.Core.Data;

namespace LatentCycles.Core.Training;

/// <summary>
/// The single-threaded reference trainer: every block in order on one thread, then <see cref="RoundComputation.Apply"/>.
/// The actor trainer must match it bit for bit (issue 3); tests and baselines use it directly.
/// </summary>
public sealed class ReferenceTrainer(BinaryImages train)
{
    private ChainSweeper? _sweeper;
    private ChainStatistics? _block, _merged;

    public (TrainingState Next, RoundMetrics Metrics) RunRound(TrainingState state)
    {
        var config = state.Config;
        int k = config.K, n = state.Parameters.N;
        _sweeper ??= new ChainSweeper(k, n);
        _block ??= new ChainStatistics(k, n);
        _merged ??= new ChainStatistics(k, n);
        _merged.Clear();
        var prepared = new PreparedParameters(state.Parameters);
        var states = (byte[])state.ChainStates.Clone();
        for (var b = 0; b < config.BlockCount; b++)
        {
            var (first, count) = config.Block(b);
            BlockRunner.Run(config, state.Round, prepared, b, states.AsSpan(first, count), _sweeper, _block);
            _merged.Add(_block);
        }
        return RoundComputation.Apply(state, _merged, states, train);
    }

    /// <summary>Runs rounds until the configuration's round count, reporting each round's metrics.</summary>
    public TrainingState RunToEnd(TrainingState state, Action<RoundMetrics>? onRound = null)
    {
        while (!state.IsFinished)
        {
            (state, var metrics) = RunRound(state);
            onRound?.Invoke(metrics);
        }
        return state;
    }
}
