using System.Runtime.Intrinsics;
using LatentCycles.Core.Random;

namespace LatentCycles.Core.Tests.Random;

public class Philox4x32Tests
{
    /// <summary>Known answers of Random123's kat_vectors: counter (4 words), key (2 words), output (4 words).</summary>
    public static TheoryData<uint[], uint[], uint[]> KnownAnswers => new()
    {
        { [0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
        { [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd] },
        { [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1] },
    };

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void Scalar_block_matches_the_Random123_known_answers(uint[] counter, uint[] key, uint[] expected)
    {
        uint c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
        Philox4x32.Block(key[0], key[1], ref c0, ref c1, ref c2, ref c3);
        Assert.Equal(expected, new[] { c0, c1, c2, c3 });
    }

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public void Eight_lane_block_matches_the_known_answers_in_every_lane(uint[] counter, uint[] key, uint[] expected)
    {
        if (!Philox4x32.IsEightLaneSupported) return;
        for (var lane = 0; lane < 8; lane++)
        {
            var words = new uint[4][];
            for (var w = 0; w < 4; w++)
            {
                words[w] = new uint[8];
                for (var j = 0; j < 8; j++) words[w][j] = j == lane ? counter[w] : counter[w] ^ (uint)(j + 1) * 0x9E3779B9u;
            }
            var got = EightLane(key, words);
            Assert.Equal(expected, new[] { got[0][lane], got[1][lane], got[2][lane], got[3][lane] });
        }
    }

    [Fact]
    public void Eight_lane_block_equals_eight_scalar_blocks()
    {
        if (!Philox4x32.IsEightLaneSupported) return;
        var rng = new CounterRandom(7, StreamPurpose.Evaluation, 1, 2, 3);
        for (var trial = 0; trial < 100; trial++)
        {
            uint[] key = [rng.NextUInt(), rng.NextUInt()];
            var words = new uint[4][];
            for (var w = 0; w < 4; w++)
            {
                words[w] = new uint[8];
                for (var j = 0; j < 8; j++) words[w][j] = rng.NextUInt();
            }
            var got = EightLane(key, words);
            for (var j = 0; j < 8; j++)
            {
                uint c0 = words[0][j], c1 = words[1][j], c2 = words[2][j], c3 = words[3][j];
                Philox4x32.Block(key[0], key[1], ref c0, ref c1, ref c2, ref c3);
                Assert.Equal(new[] { c0, c1, c2, c3 }, new[] { got[0][j], got[1][j], got[2][j], got[3][j] });
            }
        }
    }

    [Fact]
    public void Interleaved_pair_of_eight_lane_blocks_equals_two_separate_ones()
    {
        if (!Philox4x32.IsEightLaneSupported) return;
        var a = new[] { Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(11u), Vector256.Create(22u), Vector256.Create(33u) };
        var b = new[] { Vector256.Create(8u, 9, 10, 11, 12, 13, 14, 15), Vector256.Create(44u), Vector256.Create(55u), Vector256.Create(66u) };
        var expectedA = (Vector256<uint>[])a.Clone();
        var expectedB = (Vector256<uint>[])b.Clone();
        Philox4x32.Block8(0x12345678, 0x9abcdef0, ref expectedA[0], ref expectedA[1], ref expectedA[2], ref expectedA[3]);
        Philox4x32.Block8(0x12345678, 0x9abcdef0, ref expectedB[0], ref expectedB[1], ref expectedB[2], ref expectedB[3]);
        Philox4x32.Block8Twice(0x12345678, 0x9abcdef0, ref a[0], ref a[1], ref a[2], ref a[3], ref b[0], ref b[1], ref b[2], ref b[3]);
        Assert.Equal(expectedA, a);
        Assert.Equal(expectedB, b);
    }

    [SixteenLaneFact]
    public void Sixteen_lane_blocks_single_and_interleaved_equal_scalar_blocks()
    {
        var rng = new CounterRandom(8, StreamPurpose.Evaluation, 1, 2, 3);
        var words = new uint[8][];
        for (var w = 0; w < 8; w++)
        {
            words[w] = new uint[16];
            for (var j = 0; j < 16; j++) words[w][j] = rng.NextUInt();
        }
        var a = Enumerable.Range(0, 4).Select(w => Vector512.Create(words[w])).ToArray();
        var b = Enumerable.Range(4, 4).Select(w => Vector512.Create(words[w])).ToArray();
        var single = (Vector512<uint>[])a.Clone();
        Philox4x32.Block16(0x12345678, 0x9abcdef0, ref single[0], ref single[1], ref single[2], ref single[3]);
        Philox4x32.Block16Twice(0x12345678, 0x9abcdef0, ref a[0], ref a[1], ref a[2], ref a[3], ref b[0], ref b[1], ref b[2], ref b[3]);
        Assert.Equal(single, a);
        for (var set = 0; set < 2; set++)
            for (var j = 0; j < 16; j++)
            {
                uint c0 = words[4 * set][j], c1 = words[4 * set + 1][j], c2 = words[4 * set + 2][j], c3 = words[4 * set + 3][j];
                Philox4x32.Block(0x12345678, 0x9abcdef0, ref c0, ref c1, ref c2, ref c3);
                var got = set == 0 ? a : b;
                Assert.Equal(new[] { c0, c1, c2, c3 }, new[] { got[0][j], got[1][j], got[2][j], got[3][j] });
            }
    }

    private static uint[][] EightLane(uint[] key, uint[][] counterWords)
    {
        var c0 = Vector256.Create(counterWords[0]);
        var c1 = Vector256.Create(counterWords[1]);
        var c2 = Vector256.Create(counterWords[2]);
        var c3 = Vector256.Create(counterWords[3]);
        Philox4x32.Block8(key[0], key[1], ref c0, ref c1, ref c2, ref c3);
        var result = new uint[4][];
        result[0] = new uint[8]; c0.CopyTo(result[0]);
        result[1] = new uint[8]; c1.CopyTo(result[1]);
        result[2] = new uint[8]; c2.CopyTo(result[2]);
        result[3] = new uint[8]; c3.CopyTo(result[3]);
        return result;
    }
}

/// <summary>A fact skipped, with the reason, on processors without the 16-lane Philox.</summary>
public sealed class SixteenLaneFactAttribute : FactAttribute
{
    public SixteenLaneFactAttribute()
    {
        if (!Philox4x32.IsSixteenLaneSupported) Skip = "this processor has no AVX-512";
    }
}
