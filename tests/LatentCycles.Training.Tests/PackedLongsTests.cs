using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.Tests;

public sealed class PackedLongsTests
{
    [Theory]
    [InlineData(4000)]
    [InlineData(4001)]
    [InlineData(1)]
    [InlineData(0)]
    public void Values_of_every_length_round_trip_and_take_their_significant_bytes_plus_half_a_byte(int count)
    {
        var random = new Random(5);
        var values = new long[count];
        for (var j = 0; j < values.Length; j++)
        {
            // Runs of zeros and small values broken by values of 1 to 64 bits, negative ones included.
            var bits = j % 23 < 12 ? random.Next(0, 8) : random.Next(0, 65);
            values[j] = bits == 0 ? 0 : (long)((ulong)random.NextInt64() << 1 | 1UL) >>> (64 - bits) | (bits == 64 ? long.MinValue : 0);
        }
        var buffer = new byte[PackedLongs.MaxEncodedLength(count)];

        var written = PackedLongs.Encode(values, buffer);
        var copy = new long[values.Length];
        var read = PackedLongs.Decode(buffer.AsSpan(0, written), copy);

        Assert.Equal(values, copy);
        Assert.Equal(written, read);
        Assert.Equal((count + 1) / 2 + values.Sum(v => (64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v) + 7) / 8), written);
    }

    [Fact]
    public void Values_read_from_the_middle_of_a_longer_buffer_stop_at_their_own_end()
    {
        long[] first = [1L << 40, 0, 300, -1], second = [7, 1L << 20];
        var buffer = new byte[PackedLongs.MaxEncodedLength(first.Length) + PackedLongs.MaxEncodedLength(second.Length)];
        var length = PackedLongs.Encode(first, buffer);
        length += PackedLongs.Encode(second, buffer.AsSpan(length));

        var firstCopy = new long[first.Length];
        var secondCopy = new long[second.Length];
        var at = PackedLongs.Decode(buffer.AsSpan(0, length), firstCopy);
        at += PackedLongs.Decode(buffer.AsSpan(at, length - at), secondCopy);

        Assert.Equal(first, firstCopy);
        Assert.Equal(second, secondCopy);
        Assert.Equal(length, at);
    }

    [Fact]
    public void Bytes_that_end_inside_a_value_are_refused()
    {
        var buffer = new byte[PackedLongs.MaxEncodedLength(9)];
        var written = PackedLongs.Encode([1, 2, 3, 4, 5, 6, 7, 8, 1L << 40], buffer);

        Assert.Throws<CheckpointFormatException>(() => PackedLongs.Decode(buffer.AsSpan(0, written - 1), new long[9]));
        Assert.Throws<CheckpointFormatException>(() => PackedLongs.Decode(buffer.AsSpan(0, 3), new long[9]));
    }

    [Fact]
    public void A_length_above_eight_bytes_is_refused()
    {
        byte[] bytes = [0x9F, .. new byte[32]];

        Assert.Throws<CheckpointFormatException>(() => PackedLongs.Decode(bytes, new long[2]));
    }
}
