using System.Runtime.Intrinsics;
using LatentCycles.Core.Model;

namespace LatentCycles.Core.Tests.Model;

/// <summary>
/// The vectorized link functions of <see cref="Logistic"/>: a value has the same bits whether it was computed alone or in
/// a span of any length at any position; exp and log are within 1 ulp of libm, over the whole double range and at its
/// ends, and the functions built on them within a few.
/// </summary>
public class LogisticTests
{
    private static readonly double[] Special =
    [
        0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 36.7, -36.7, 708.5, -708.5, 709.9, -745.5, 800, -800,
        double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.MaxValue, double.MinValue, double.Epsilon,
    ];

    private static double[] Inputs(int seed, int count, double scale)
    {
        var rng = new System.Random(seed);
        var values = new double[count + Special.Length];
        for (var j = 0; j < count; j++) values[j] = (rng.NextDouble() * 2 - 1) * scale;
        Special.CopyTo(values, count);
        return values;
    }

    public static TheoryData<string> Functions => ["exp", "sigmoid", "softplus"];

    private static (Action<ReadOnlySpan<double>, Span<double>> Span, Func<double, double> Scalar) Function(string name) => name switch
    {
        "exp" => (Logistic.Exp, Logistic.Exp),
        "sigmoid" => (Logistic.Sigmoid, Logistic.Sigmoid),
        "softplus" => (Logistic.Softplus, Logistic.Softplus),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Functions))]
    public void A_span_gives_each_element_the_bits_of_the_scalar_function_at_any_length_and_position(string name)
    {
        var (span, scalar) = Function(name);
        var inputs = Inputs(1, 60, 40);
        // Every length from 0 to 37 and every offset 0 … 3, so the 512-bit, 256-bit and padded tail paths all serve every element.
        for (var offset = 0; offset < 4; offset++)
            for (var length = 0; length <= 37; length++)
            {
                var slice = inputs.AsSpan(offset, Math.Min(length, inputs.Length - offset));
                var result = new double[slice.Length];
                span(slice, result);
                for (var j = 0; j < slice.Length; j++)
                    Assert.True(BitConverter.DoubleToInt64Bits(scalar(slice[j])) == BitConverter.DoubleToInt64Bits(result[j]),
                        $"{name}({slice[j]:R}) at {j} of {slice.Length}: {result[j]:R}, alone {scalar(slice[j]):R}");
            }
        // In place.
        var copy = (double[])inputs.Clone();
        span(copy, copy);
        for (var j = 0; j < inputs.Length; j++) Assert.Equal(BitConverter.DoubleToInt64Bits(scalar(inputs[j])), BitConverter.DoubleToInt64Bits(copy[j]));
    }

    [Fact]
    public void Each_function_is_within_a_few_ulp_of_libm_and_keeps_its_limits()
    {
        foreach (var x in Inputs(3, 20000, 750))
        {
            AssertClose(Math.Exp(x), Logistic.Exp(x), 1);
            AssertClose(Math.Exp(x / 20), Logistic.Exp(x / 20), 1);
        }
        var rng = new System.Random(5);
        for (var j = 0; j < 20000; j++)
        {
            // Positive numbers from the subnormals to the largest, and many near 1, where log is near 0.
            var positive = Math.Pow(2, rng.NextDouble() * 2098 - 1074) * (1 + rng.NextDouble());
            AssertClose(Math.Log(positive), Logistic.Log(positive), 1);
            var nearOne = 1 + (rng.NextDouble() - 0.5) * 1e-3;
            AssertClose(Math.Log(nearOne), Logistic.Log(nearOne), 1);
        }
        foreach (var x in Inputs(4, 20000, 40))
        {
            AssertClose(1.0 / (1.0 + Math.Exp(-x)), Logistic.Sigmoid(x), 4);
            // log(1 + e^−|x|) rounds 1 + e^−|x| first, so softplus is as close as libm's only to within an ulp of 1.
            var softplus = x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
            var actual = Logistic.Softplus(x);
            Assert.True(softplus.Equals(actual) || Math.Abs(softplus - actual) <= 4e-16 * Math.Max(1, Math.Abs(softplus)), $"softplus({x:R}) = {actual:R}");
        }
        Assert.Equal(0.0, Logistic.Exp(double.NegativeInfinity));
        Assert.Equal(double.PositiveInfinity, Logistic.Exp(800));
        Assert.Equal(double.NegativeInfinity, Logistic.Log(0));
        Assert.True(double.IsNaN(Logistic.Log(-1)));
        Assert.Equal(0.0, Logistic.Sigmoid(-800));
        Assert.Equal(1.0, Logistic.Sigmoid(800));
        Assert.Equal(800.0, Logistic.Softplus(800));
        Assert.Equal(Math.Log(2), Logistic.Softplus(0), 15);
        Assert.Equal(double.NegativeInfinity, Logistic.LogSumExp([double.NegativeInfinity, double.NegativeInfinity]));
        Assert.Equal(Math.Log(3) + 1000, Logistic.LogSumExp([1000, 1000, 1000]), 12);
    }

    [Fact]
    public void Log_sum_exp_of_a_short_vector_is_the_sum_of_the_scalar_exponentials_in_order()
    {
        var rng = new System.Random(4);
        for (var length = 1; length <= 20; length++)
        {
            var v = new double[length];
            for (var j = 0; j < length; j++) v[j] = rng.NextDouble() * 60 - 30;
            var max = v.Max();
            var sum = 0.0;
            foreach (var a in v) sum += Logistic.Exp(a - max);
            Assert.Equal(BitConverter.DoubleToInt64Bits(max + Logistic.Log(sum)), BitConverter.DoubleToInt64Bits(Logistic.LogSumExp(v)));
        }
    }

    /// <summary>
    /// The kernels' own bits, where they differ from libm's by an ulp: every machine and JIT tier must give these (they
    /// use only IEEE operations and fused multiply-adds), or a run's thresholds would depend on where it was prepared.
    /// </summary>
    [Theory]
    [InlineData(-1.0947265625, 0x3FD56A988A73B3DFL)]
    [InlineData(15.0439453125, 0x414A0FA3549E6D34L)]
    [InlineData(9.1328125, 0x40C213019376ED17L)]
    public void Exp_has_the_same_bits_everywhere(double x, long bits) =>
        Assert.Equal(bits, BitConverter.DoubleToInt64Bits(Logistic.Exp(x)));

    [Theory]
    [InlineData(239.6826171875, 0x4015EAD1B6BD9BACL)]
    [InlineData(5.6201171875, 0x3FFB9F23D0BAEC0AL)]
    [InlineData(328.2314453125, 0x40172CC4AB73BF0AL)]
    public void Log_has_the_same_bits_everywhere(double x, long bits) =>
        Assert.Equal(bits, BitConverter.DoubleToInt64Bits(Logistic.Log(x)));

    private static void AssertClose(double expected, double actual, long ulps)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected) || expected == 0 || Math.Abs(expected) < 1e-290)
        {
            // Zeros, infinities, NaN and results near the subnormals: the same value, or both within 1e-290 of zero.
            Assert.True(expected.Equals(actual) || Math.Abs(expected - actual) < 1e-290, $"{actual:R} is not {expected:R}");
            return;
        }
        var distance = Math.Abs(BitConverter.DoubleToInt64Bits(expected) - BitConverter.DoubleToInt64Bits(actual));
        Assert.True(distance <= ulps, $"{actual:R} is {distance} ulp from {expected:R}");
    }
}
