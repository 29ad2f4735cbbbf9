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

    [EightLaneTheory]
    [MemberData(nameof(KnownAnswers))]
    public void Eight_lane_block_matches_the_known_answers_in_every_lane(uint[] counter, uint[] key, uint[] expected)
    {
        for (var lane = 0; lane < 8; lane++)
        {
            var words = new uint[4][];
            for (var w = 0; w < 4; w++)
            {
                words[w] = new uint[8];
                for (var j = 0; j < 8; j++) words[w][j] = j == lane ? counter[w] : counter[w] ^ (uint)(j + 1) * 0x9E3779B9u;
            }
            foreach (var got in EightLaneTwice(key, words, words))
                Assert.Equal(expected, new[] { got[0][lane], got[1][lane], got[2][lane], got[3][lane] });
        }
    }

    [EightLaneFact]
    public void Both_sets_of_the_eight_lane_blocks_equal_scalar_blocks()
    {
        var rng = new CounterRandom(7, StreamPurpose.Evaluation, 1, 2, 3);
        for (var trial = 0; trial < 100; trial++)
        {
            uint[] key = [rng.NextUInt(), rng.NextUInt()];
            var sets = new uint[2][][];
            for (var set = 0; set < 2; set++)
            {
                sets[set] = new uint[4][];
                for (var w = 0; w < 4; w++)
                {
                    sets[set][w] = new uint[8];
                    for (var j = 0; j < 8; j++) sets[set][w][j] = rng.NextUInt();
                }
            }
            var got = EightLaneTwice(key, sets[0], sets[1]);
            for (var set = 0; set < 2; set++)
                for (var j = 0; j < 8; j++)
                {
                    uint c0 = sets[set][0][j], c1 = sets[set][1][j], c2 = sets[set][2][j], c3 = sets[set][3][j];
                    Philox4x32.Block(key[0], key[1], ref c0, ref c1, ref c2, ref c3);
                    Assert.Equal(new[] { c0, c1, c2, c3 }, new[] { got[set][0][j], got[set][1][j], got[set][2][j], got[set][3][j] });
                }
        }
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

    /// <summary>The two sets' outputs of <see cref="Philox4x32.Block8Twice"/>, word-major: [set][word][lane].</summary>
    private static uint[][][] EightLaneTwice(uint[] key, uint[][] first, uint[][] second)
    {
        var a = Enumerable.Range(0, 4).Select(w => Vector256.Create(first[w])).ToArray();
        var b = Enumerable.Range(0, 4).Select(w => Vector256.Create(second[w])).ToArray();
        Philox4x32.Block8Twice(key[0], key[1], ref a[0], ref a[1], ref a[2], ref a[3], ref b[0], ref b[1], ref b[2], ref b[3]);
        uint[][] Words(Vector256<uint>[] set) => set.Select(v => { var words = new uint[8]; v.CopyTo(words); return words; }).ToArray();
        return [Words(a), Words(b)];
    }
}

/// <summary>A fact skipped, with the reason, on processors without the 8-lane Philox.</summary>
public sealed class EightLaneFactAttribute : FactAttribute
{
    public EightLaneFactAttribute()
    {
        if (!Philox4x32.IsEightLaneSupported) Skip = "this processor has no AVX2";
    }
}

/// <summary>A theory skipped, with the reason, on processors without the 8-lane Philox.</summary>
public sealed class EightLaneTheoryAttribute : TheoryAttribute
{
    public EightLaneTheoryAttribute()
    {
        if (!Philox4x32.IsEightLaneSupported) Skip = "this processor has no AVX2";
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
