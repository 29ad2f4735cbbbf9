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
/// Locally <paramref name="Statistics"/> is the aggregator's reusable sum: it stays valid until the aggregator's next
/// <see cref="RoundStarted"/>, which the coordinator sends only after it has applied this one.
/// </remarks>
public sealed record NodeStatistics(int Round, ChainStatistics Statistics, IReadOnlyList<BlockStates> Blocks) : ITrainingMessage
{
    /// <summary>
    /// Whether <see cref="Statistics"/> belong to this message alone (it was decoded from a remote node's bytes), so the
    /// receiver may keep them instead of adding them into a buffer of its own.
    /// </summary>
    public bool OwnsStatistics { get; init; }
}
