using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;

namespace LatentCycles.Core.Tests.Chains;

/// <summary>The optimized sweep must reproduce the readable oracle bit for bit, on both code paths.</summary>
public class ChainSweeperOracleTests
{
    public static TheoryData<int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var k in new[] { 2, 3, 10, 17, 64 })
            foreach (var n in new[] { 1, 5, 784, 785, 787 })
                foreach (var eightLane in new[] { true, false })
                    data.Add(k, n, eightLane);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Optimized_sweep_is_bit_identical_to_the_oracle(int k, int n, bool eightLane)
    {
        var prepared = ChainTestParameters.Random(k, n, (ulong)(k * 1000 + n));
        AssertSameAsOracle(prepared, chains: 37, sweeps: 2, eightLane);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Optimized_sweep_is_bit_identical_to_the_oracle_on_mnist_like_parameters(bool eightLane)
    {
        var prepared = new PreparedParameters(MnistLikeParameters.Create(10, 784, 3));
        AssertSameAsOracle(prepared, chains: 64, sweeps: 3, eightLane);
    }

    private static void AssertSameAsOracle(PreparedParameters prepared, int chains, int sweeps, bool eightLane)
    {
        int k = prepared.K, n = prepared.N;
        var expectedStates = ChainTestParameters.RandomStates(k, chains, 5);
        var actualStates = (byte[])expectedStates.Clone();
        var expected = new ChainStatistics(k, n);
        var actual = new ChainStatistics(k, n);
        var oracle = new ReferenceChainSweeper(k, n);
        var sweeper = new ChainSweeper(k, n, eightLane);
        // Two calls onto the same statistics: accumulation onto non-zero sums must match too.
        foreach (var round in new uint[] { 3, 4 })
        {
            oracle.Advance(prepared, 0xDEADBEEF12345UL, round, 500, expectedStates, sweeps, expected);
            sweeper.Advance(prepared, 0xDEADBEEF12345UL, round, 500, actualStates, sweeps, actual);
        }
        Assert.Equal(expectedStates, actualStates);
        Assert.Equal(expected.Transitions, actual.Transitions);
        AssertBitIdentical(expected.C, actual.C, "C");
        Assert.Equal(expected.P, actual.P);
        AssertBitIdentical(expected.Sx, actual.Sx, "Sx");
        AssertBitIdentical(expected.G, actual.G, "G");
        AssertBitIdentical(expected.GP, actual.GP, "GP");
    }

    private static void AssertBitIdentical(long[] expected, long[] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var j = 0; j < expected.Length; j++)
            if (expected[j] != actual[j]) Assert.Fail($"{name}[{j}]: expected {expected[j]}, got {actual[j]}");
    }
}
