using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;

namespace LatentCycles.Training.Protocol;

/// <summary>A block's chain states at a round boundary: <c>States[j]</c> is the latent z of chain FirstChain(block) + j.</summary>
public sealed record BlockStates(int BlockId, byte[] States);

/// <summary>
/// Coordinator → node aggregator: run round <paramref name="Round"/> on these blocks with these parameters.
/// Carries the configuration (a few dozen bytes) so a node needs no state of its own between rounds.
/// </summary>
public sealed record RoundStarted(int Round, TrainingConfig Config, ModelParameters Parameters, IReadOnlyList<BlockStates> Blocks)
    : ITrainingMessage;

/// <summary>
/// Node aggregator → coordinator: the two-step statistics of the round's blocks summed in block-id order, and each
/// block's chain states at the end of the round (in the same order).
/// </summary>
/// <remarks>
/// The aggregator hands <paramref name="Statistics"/> over with the message and never writes them again; a coordinator in
/// the same process may pass the buffer back with <see cref="SpareStatistics"/> once it no longer needs it.
/// </remarks>
public sealed record NodeStatistics(int Round, ChainStatistics Statistics, IReadOnlyList<BlockStates> Blocks) : ITrainingMessage
{
    /// <summary>
    /// Whether <see cref="Statistics"/> belong to this message alone (handed over by a node in the same process, or
    /// decoded from a remote node's bytes), so the receiver may keep them instead of adding them into a buffer of its own.
    /// </summary>
    public bool OwnsStatistics { get; init; }
}

/// <summary>
/// Coordinator → node aggregator in the same process only: a statistics buffer that node handed over in an earlier
/// <see cref="NodeStatistics"/> and that nothing reads any more, for the node to clear and reuse instead of allocating.
/// </summary>
public sealed record SpareStatistics(ChainStatistics Statistics);
