using Akka.Actor;
using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;
using LatentCycles.Core.Training;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;
using LatentCycles.Core.Evaluation;

namespace LatentCycles.Training.Tests;

public sealed class SerializationTests() : HostedTestKit(new ActorSystemOptions())
{
    private static readonly TrainingConfig Config = TrainingFixtures.SmallConfig();

    [Fact]
    public void RoundStarted_round_trips_through_the_binary_serializer()
    {
        var message = new RoundStarted(7, Config, Parameters(), [new BlockStates(0, [0, 3, 1]), new BlockStates(2, [2])]);

        var copy = RoundTrip(message);

        Assert.Equal(message.Round, copy.Round);
        Assert.Equal(message.Config, copy.Config);
        AssertSameParameters(message.Parameters, copy.Parameters);
        AssertSameBlocks(message.Blocks, copy.Blocks);
    }

    [Fact]
    public void NodeStatistics_round_trips_through_the_binary_serializer()
    {
        var message = new NodeStatistics(3, Statistics(), [new BlockStates(1, [1, 1, 0])]);

        var copy = RoundTrip(message);

        Assert.Equal(message.Round, copy.Round);
        AssertSameStatistics(message.Statistics, copy.Statistics);
        AssertSameBlocks(message.Blocks, copy.Blocks);
        // Decoded statistics belong to the message alone, so the coordinator may keep them as a round's total.
        Assert.False(message.OwnsStatistics);
        Assert.True(copy.OwnsStatistics);
    }

    [Fact]
    public void Statistics_keep_every_long_exactly_including_negative_and_extreme_values()
    {
        var statistics = Statistics();
        long[] extremes = [0, 1, 127, 128, 16383, 16384, -1, long.MinValue, long.MaxValue, 1L << 63 >>> 1];
        extremes.CopyTo(statistics.Sx, 3);

        var copy = RoundTrip(new NodeStatistics(0, statistics, []));

        AssertSameStatistics(statistics, copy.Statistics);
    }

    [Fact]
    public void Statistics_of_an_MNIST_like_sweep_travel_in_under_a_third_of_their_raw_size()
    {
        const int k = 10, n = 784, chains = 256;
        var parameters = MnistLikeParameters.Create(k, n, 3);
        var statistics = new ChainStatistics(k, n);
        var states = Enumerable.Range(0, chains).Select(c => (byte)(c % k)).ToArray();
        new ChainSweeper(k, n).Advance(new PreparedParameters(parameters), 5, 0, 0, states, 1, statistics);
        var rawBytes = 8L * (statistics.C.Length + statistics.P.Length + statistics.Sx.Length + statistics.G.Length + statistics.GP.Length);

        var bytes = TrainingMessageSerializer.Encode(new NodeStatistics(0, statistics, []));

        Assert.InRange(bytes.Length, 1, rawBytes / 3);
    }

    [Fact]
    public void Checkpoint_round_trips_through_the_binary_serializer()
    {
        var state = TrainingState.Start(Config, TrainingFixtures.SyntheticData().Train);
        var runId = Guid.NewGuid();

        var copy = RoundTrip(new Checkpoint(state, runId));

        TrainingFixtures.AssertBitIdentical(state, copy.State);
        Assert.Equal(state.Config, copy.State.Config);
        Assert.Equal(runId, copy.RunId);
        Assert.Empty(copy.EarlierHistory);
    }

    [Fact]
    public void A_checkpoint_of_the_format_before_run_identities_and_checksums_is_still_read()
    {
        var state = TrainingState.Start(Config, TrainingFixtures.SyntheticData().Train);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            var encoded = TrainingStateCodec.Encode(state);
            w.Write(encoded.Length);
            w.Write(encoded);
            w.Write(0);
        }

        var copy = (Checkpoint)TrainingMessageSerializer.Decode(stream.ToArray(), "C3");

        TrainingFixtures.AssertBitIdentical(state, copy.State);
        Assert.Null(copy.RunId);
        Assert.Empty(copy.EarlierHistory);
        var taken = (CheckpointTaken)TrainingMessageSerializer.Decode(BitConverter.GetBytes(7), "CT");
        Assert.Equal(7, taken.Round);
        Assert.Empty(taken.Rows);
    }

    [Fact]
    public void Any_flipped_bit_of_a_checkpoint_is_a_format_error()
    {
        var state = TrainingState.Start(Config, TrainingFixtures.SyntheticData().Train);
        var bytes = TrainingMessageSerializer.Encode(new Checkpoint(state, Guid.NewGuid()));

        foreach (var at in new[] { 4, 40, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 })
        {
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x01;
            var error = Assert.Throws<CheckpointFormatException>(() => TrainingMessageSerializer.Decode(damaged, TrainingMessageSerializer.CheckpointManifest));
            Assert.Contains("checksum", error.Message);
        }
    }

    [Fact]
    public void A_checkpoint_holding_a_non_finite_parameter_is_a_format_error()
    {
        var state = TrainingState.Start(Config, TrainingFixtures.SyntheticData().Train);
        state.Parameters.W[3] = double.NaN;

        var error = Assert.Throws<CheckpointFormatException>(() => TrainingStateCodec.Decode(TrainingStateCodec.Encode(state)));

        Assert.Contains("non-finite", error.Message);
    }

    [Fact]
    public void CheckpointTaken_round_trips_with_its_metrics_rows()
    {
        MetricsRow[] rows =
        [
            new MetricsRow(49, -20.5, null, 0.25, 0.01, ChainStepsPerSecond: 12345.5, Nodes: 1, ElapsedSeconds: 0.5,
                Timestamp: new DateTimeOffset(2026, 11, 30, 10, 0, 0, 125, TimeSpan.Zero)),
            new MetricsRow(50, -19.25, 1e-3, 0.5, double.Epsilon, new LikelihoodEstimate(-18, 0.5), new LikelihoodEstimate(-18.5, 0.625), 2e5, 3),
        ];

        var copy = RoundTrip(new CheckpointTaken(50, rows));

        Assert.Equal(50, copy.Round);
        Assert.Equal(rows, copy.Rows);
    }

    [Fact]
    public void Truncated_bytes_are_a_format_error_not_a_crash()
    {
        var bytes = TrainingMessageSerializer.Encode(new NodeStatistics(4, Statistics(), [new BlockStates(6, [3, 2, 1])]));

        var error = Assert.Throws<CheckpointFormatException>(() => TrainingMessageSerializer.Decode(bytes[..^2], "NS"));

        Assert.Contains("truncated", error.Message);
    }

    /// <summary>Serializes through the actor system's registry, proving the HOCON binding picks our serializer.</summary>
    private T RoundTrip<T>(T message) where T : notnull
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType<TrainingMessageSerializer>(serializer);
        var manifest = ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message);
        var copy = serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        return Assert.IsType<T>(copy);
    }

    private static ModelParameters Parameters()
    {
        var p = ModelParameters.Initialize(Config.K, TrainingFixtures.SyntheticData().Train.PixelMeans(), 3, 0.01, 0.01, 0.01);
        p.B[1] = -0.0;
        p.L[2] = double.MaxValue;
        return p;
    }

    private static ChainStatistics Statistics()
    {
        var s = new ChainStatistics(3, 5) { Transitions = 42 };
        foreach (var (array, offset) in new[] { (s.C, 1L), (s.Sx, 3L), (s.G, 1L << 40), (s.GP, 7L) })
            for (var j = 0; j < array.Length; j++) array[j] = offset * j + j * j;
        for (var j = 0; j < s.P.Length; j++) s.P[j] = ((Int128)j << 90) + j;
        return s;
    }

    private static void AssertSameParameters(ModelParameters expected, ModelParameters actual)
    {
        Assert.Equal((expected.K, expected.N), (actual.K, actual.N));
        Assert.Equal(expected.W, actual.W);
        Assert.Equal(expected.B, actual.B);
        Assert.Equal(expected.L, actual.L);
    }

    private static void AssertSameStatistics(ChainStatistics expected, ChainStatistics actual) =>
        Assert.Equal(StatisticsFields.Of(expected), StatisticsFields.Of(actual));

    private static void AssertSameBlocks(IReadOnlyList<BlockStates> expected, IReadOnlyList<BlockStates> actual)
    {
        Assert.Equal(expected.Select(b => b.BlockId), actual.Select(b => b.BlockId));
        for (var j = 0; j < expected.Count; j++) Assert.Equal(expected[j].States, actual[j].States);
    }
}
