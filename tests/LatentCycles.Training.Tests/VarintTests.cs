using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.Tests;

public sealed class VarintTests
{
    [Fact]
    public void Values_of_every_length_in_runs_and_alone_round_trip_and_take_their_LEB128_length()
    {
        var random = new Random(5);
        var values = new long[4000];
        for (var j = 0; j < values.Length; j++)
        {
            // Runs of small values (the eight-at-once paths) broken by values of 1 to 64 bits.
            var bits = j % 23 < 12 ? random.Next(0, 8) : random.Next(0, 65);
            values[j] = bits == 0 ? 0 : (long)((ulong)random.NextInt64() << 1 | 1UL) >>> (64 - bits) | (bits == 64 ? long.MinValue : 0);
        }
        var buffer = new byte[values.Length * Varint.MaxBytesPerValue];

        var written = Varint.Encode(values, buffer);
        var copy = new long[values.Length];
        var read = Varint.Decode(buffer.AsSpan(0, written), copy);

        Assert.Equal(values, copy);
        Assert.Equal(written, read);
        Assert.Equal(values.Sum(v => Math.Max(1, (64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v) + 6) / 7)), written);
    }

    [Fact]
    public void Bytes_that_end_inside_a_value_are_refused()
    {
        var buffer = new byte[Varint.MaxBytesPerValue * 9];
        var written = Varint.Encode([1, 2, 3, 4, 5, 6, 7, 8, 1L << 40], buffer);

        Assert.Throws<LatentCycles.Training.Serialization.CheckpointFormatException>(() => Varint.Decode(buffer.AsSpan(0, written - 1), new long[9]));
    }
}
