using LatentCycles.Core.Chains;
using LatentCycles.Core.Model;

namespace LatentCycles.Core.Tests.Chains;

/// <summary>The optimized sweep must reproduce the readable oracle bit for bit, on both code paths.</summary>
public class ChainSweeperOracleTests
{
    /// <summary>The paths this processor can run; the ones it cannot are not listed (there is nothing to compare).</summary>
    private static IEnumerable<SweepPath> Paths => Enum.GetValues<SweepPath>().Where(ChainSweeper.IsSupported);

    public static TheoryData<int, int, SweepPath> Shapes()
    {
        var data = new TheoryData<int, int, SweepPath>();
        // The batches' shapes: one partial batch using word 0 only (N 1, 5, 31), one using every block (N 33, 60), a
        // full batch whose z block starts the next one (N 32, 128), several batches with a partial last one (N 784, 785,
        // 800, 900). K = 10, 7, 2 leave 12, 8 and 4 encoder logits after the groups of sixteen; 17 both kinds.
        foreach (var k in new[] { 2, 3, 7, 10, 17, 64 })
            foreach (var n in new[] { 1, 5, 31, 32, 33, 60, 128, 784, 785, 800, 900 })
                foreach (var path in Paths)
                    data.Add(k, n, path);
        return data;
    }

    public static TheoryData<SweepPath> AllPaths() => new(Paths);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Optimized_sweep_is_bit_identical_to_the_oracle(int k, int n, SweepPath path)
    {
        var prepared = ChainTestParameters.Random(k, n, (ulong)(k * 1000 + n));
        AssertSameAsOracle(prepared, chains: 37, sweeps: 2, path);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Optimized_sweep_is_bit_identical_to_the_oracle_on_mnist_like_parameters(SweepPath path)
    {
        var prepared = new PreparedParameters(MnistLikeParameters.Create(10, 784, 3));
        AssertSameAsOracle(prepared, chains: 64, sweeps: 3, path);
    }

    /// <summary>
    /// Many steps into each state, so that the sweeper's lists of steps waiting to add their Sx and G terms fill up within
    /// a call: by their count (MNIST-like draws, about 100 active pixels each) and by their pixels (random parameters
    /// with about half the pixels active), and over the largest K that groups them and the smallest that does not.
    /// </summary>
    public static TheoryData<string, int, SweepPath> ManySteps()
    {
        var data = new TheoryData<string, int, SweepPath>();
        foreach (var path in Paths)
        {
            data.Add("mnist-like", 10, path);
            data.Add("random", 2, path);
            data.Add("random", ChainSweeper.MaxGroupedK, path);
            data.Add("random", ChainSweeper.MaxGroupedK + 1, path);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ManySteps))]
    public void Optimized_sweep_is_bit_identical_to_the_oracle_over_many_steps_into_each_state(string parameters, int k, SweepPath path)
    {
        var prepared = parameters == "mnist-like"
            ? new PreparedParameters(MnistLikeParameters.Create(k, 784, 5))
            : ChainTestParameters.Random(k, 900, (ulong)(k * 77));
        AssertSameAsOracle(prepared, chains: 40 * k, sweeps: 5, path);
    }

    private static void AssertSameAsOracle(PreparedParameters prepared, int chains, int sweeps, SweepPath path)
    {
        int k = prepared.K, n = prepared.N;
        var expectedStates = ChainTestParameters.RandomStates(k, chains, 5);
        var actualStates = (byte[])expectedStates.Clone();
        var expected = new ChainStatistics(k, n);
        var actual = new ChainStatistics(k, n);
        var oracle = new ReferenceChainSweeper(k, n);
        var sweeper = new ChainSweeper(k, n, path);
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
