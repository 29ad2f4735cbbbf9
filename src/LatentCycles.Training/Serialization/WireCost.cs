using System.Diagnostics;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;

namespace LatentCycles.Training.Serialization;

/// <summary>What one message of a round costs to encode and decode, in bytes and milliseconds (10th percentile and median).</summary>
public sealed record MessageCost(string Message, int Bytes, double EncodeP10, double EncodeMedian, double DecodeP10, double DecodeMedian);

/// <summary>
/// <c>bench --wire</c>: the round's two bulk messages, the parameters and block states sent to a node
/// (<see cref="RoundStarted"/>) and the node's statistics and end states coming back (<see cref="NodeStatistics"/>),
/// encoded into one reused buffer and decoded from it as the data plane does (docs/CLUSTER.md, "What a round costs on
/// the wire"). The statistics are those of one sweep of every chain from MNIST-like parameters.
/// </summary>
public static class WireCost
{
    public static IReadOnlyList<MessageCost> Measure(int k, int pixels, int chains, int repetitions)
    {
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), "at least one repetition");
        var config = new TrainingConfig { K = k, Chains = chains };
        var parameters = MnistLikeParameters.Create(k, pixels, 1);
        var statistics = new ChainStatistics(k, pixels);
        var blocks = new List<BlockStates>();
        var sweeper = new ChainSweeper(k, pixels);
        var prepared = new PreparedParameters(parameters);
        for (var b = 0; b < config.BlockCount; b++)
        {
            var (first, count) = config.Block(b);
            var states = Enumerable.Range(first, count).Select(c => (byte)(c % k)).ToArray();
            sweeper.Advance(prepared, 1, 0, first, states, 1, statistics);
            blocks.Add(new BlockStates(b, states));
        }
        return
        [
            Time("RoundStarted", new RoundStarted(0, config, parameters, blocks), repetitions),
            Time("NodeStatistics", new NodeStatistics(0, statistics, blocks), repetitions),
        ];
    }

    private static MessageCost Time(string name, object message, int repetitions)
    {
        var buffer = new MemoryStream();
        var encode = new double[repetitions];
        var decode = new double[repetitions];
        var manifest = TrainingMessageSerializer.ManifestOf(message);
        for (var r = 0; r < repetitions; r++)
        {
            buffer.SetLength(0);
            var start = Stopwatch.GetTimestamp();
            TrainingMessageSerializer.Encode(message, buffer);
            encode[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            TrainingMessageSerializer.Decode(new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), manifest);
            decode[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(encode);
        Array.Sort(decode);
        return new MessageCost(name, (int)buffer.Length, encode[repetitions / 10], encode[repetitions / 2], decode[repetitions / 10], decode[repetitions / 2]);
    }
}
