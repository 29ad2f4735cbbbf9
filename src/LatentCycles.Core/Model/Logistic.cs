using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentCycles.Core.Model;

/// <summary>
/// The two link functions of the model (MODEL.md §1) — σ for the decoder's Bernoulli means, softmax for the encoder —
/// and their log-normalizers, softplus and log-sum-exp, which every log-likelihood is written with.
/// </summary>
/// <remarks>
/// e^a and log a are computed four at a time by the hand-written kernels at the end of this file, compiled fully
/// optimized from the first call: the round needs some 25,000 of them (σ(L) twice, softplus(L), the data phase's
/// responsibilities), which scalar libm calls made a noticeable part of the round, while the runtime's vectorized
/// <c>Vector256.Exp</c> runs a per-element software form for its first few thousand calls. The kernels use only IEEE
/// operations and fused multiply-adds, so their bits are the same on every x86-64 and ARM64 machine (no libm or
/// processor-dependent "estimate" in them); they are within 1 ulp of libm's results (LogisticTests).
/// A scalar function is one lane of the kernel and a span function four lanes at a time, so a value has the same bits
/// however it was computed: a trainer, an evaluator and a test oracle that compute the same formula agree exactly.
/// The chain sweep's softmax keeps <see cref="Math.Exp"/>: it is ten numbers per chain step and its bits are pinned by
/// the sweep's oracle tests.
/// </remarks>
public static class Logistic
{
    /// <summary>e^a: one lane of <see cref="Exp(Vector256{double})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Exp(double a) => Exp(Vector256.Create(a)).ToScalar();

    /// <summary>log a: one lane of <see cref="Log(Vector256{double})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Log(double a) => Log(Vector256.Create(a)).ToScalar();

    /// <summary>σ(a) = 1 / (1 + e^−a): one lane of the span form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sigmoid(double a) => SigmoidLanes.Apply(Vector256.Create(a)).ToScalar();

    /// <summary>softmax of the logits into <paramref name="probabilities"/>, shifted by the largest logit so nothing overflows.</summary>
    public static void Softmax(ReadOnlySpan<double> logits, Span<double> probabilities)
    {
        var max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var sum = 0.0;
        for (var j = 0; j < logits.Length; j++)
        {
            probabilities[j] = Math.Exp(logits[j] - max);
            sum += probabilities[j];
        }
        var inv = 1.0 / sum;
        for (var j = 0; j < logits.Length; j++) probabilities[j] *= inv;
    }

    /// <summary>softplus(a) = log(1 + e^a), stable for any a: one lane of the span form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Softplus(double a) => SoftplusLanes.Apply(Vector256.Create(a)).ToScalar();

    /// <summary>log Σ e^v, shifted by the largest value so nothing overflows; −∞ for an empty or all −∞ input.</summary>
    public static double LogSumExp(ReadOnlySpan<double> v)
    {
        var max = double.NegativeInfinity;
        foreach (var a in v) max = Math.Max(max, a);
        if (double.IsNegativeInfinity(max)) return double.NegativeInfinity;
        var sum = 0.0;
        if (v.Length <= 16)
        {
            // The exponentials a vector at a time, then added one by one in order, as the loop below would.
            Span<double> shifted = stackalloc double[v.Length];
            for (var j = 0; j < v.Length; j++) shifted[j] = v[j] - max;
            Exp(shifted, shifted);
            foreach (var e in shifted) sum += e;
        }
        else
            foreach (var a in v) sum += Exp(a - max);
        return max + Log(sum);
    }

    /// <summary><see cref="Exp(double)"/> of each element; <paramref name="result"/> may be <paramref name="a"/>.</summary>
    public static void Exp(ReadOnlySpan<double> a, Span<double> result) => Map<ExpLanes>(a, result);

    /// <summary><see cref="Sigmoid(double)"/> of each element; <paramref name="result"/> may be <paramref name="a"/>.</summary>
    public static void Sigmoid(ReadOnlySpan<double> a, Span<double> result) => Map<SigmoidLanes>(a, result);

    /// <summary><see cref="Softplus(double)"/> of each element; <paramref name="result"/> may be <paramref name="a"/>.</summary>
    public static void Softplus(ReadOnlySpan<double> a, Span<double> result) => Map<SoftplusLanes>(a, result);

    /// <summary>An element-wise function of four lanes at a time.</summary>
    private interface ILanes
    {
        static abstract Vector256<double> Apply(Vector256<double> a);
    }

    private readonly struct ExpLanes : ILanes
    {
        public static Vector256<double> Apply(Vector256<double> a) => Exp(a);
    }

    private readonly struct SigmoidLanes : ILanes
    {
        public static Vector256<double> Apply(Vector256<double> a) => Vector256<double>.One / (Vector256<double>.One + Exp(-a));
    }

    private readonly struct SoftplusLanes : ILanes
    {
        // a + log(1 + e^−a) for a > 0, else log(1 + e^a): both are log(1 + e^−|a|) plus a where a > 0.
        public static Vector256<double> Apply(Vector256<double> a)
        {
            var tail = Log(Vector256<double>.One + Exp(-Vector256.Abs(a)));
            return Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<double>.Zero), a + tail, tail);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Map<TLanes>(ReadOnlySpan<double> a, Span<double> result) where TLanes : struct, ILanes
    {
        if (result.Length < a.Length) throw new ArgumentException("the result is shorter than the input", nameof(result));
        ref var source = ref MemoryMarshal.GetReference(a);
        ref var target = ref MemoryMarshal.GetReference(result);
        var j = 0;
        for (; j + Vector256<double>.Count <= a.Length; j += Vector256<double>.Count)
            TLanes.Apply(Vector256.LoadUnsafe(ref source, (nuint)j)).StoreUnsafe(ref target, (nuint)j);
        if (j == a.Length) return;
        // The last one to three elements go through one padded vector.
        Span<double> padded = stackalloc double[Vector256<double>.Count];
        padded.Clear();
        a[j..].CopyTo(padded);
        var tail = TLanes.Apply(Vector256.Create<double>(padded));
        for (var t = 0; j < a.Length; j++, t++) result[j] = tail[t];
    }

    // ln 2 split so that n·Ln2High is exact for any exponent n a double has (its low 21 bits are zero).
    private static readonly double Ln2High = BitConverter.Int64BitsToDouble(0x3FE62E42FEE00000);
    private static readonly double Ln2Low = BitConverter.Int64BitsToDouble(0x3DEA39EF35793C76);
    private const double InverseLn2 = 1.4426950408889634;
    // 1.5·2⁵²: adding it rounds a double below 2⁵¹ in magnitude to an integer held in the low bits of the sum.
    private const double RoundingShifter = 6755399441055744.0;
    private const double ExpLimit = 708.0;
    private const double SmallestNormal = 2.2250738585072014E-308;

    /// <summary>
    /// e^a of each lane: a = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor series to r¹³ (the next term is below
    /// 10⁻¹⁷ of the result) in fused multiply-adds, times 2ⁿ put into the exponent bits. Lanes with |a| above 708, whose
    /// result is near or past the ends of the double range, and NaN take <see cref="Math.Exp"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Exp(Vector256<double> a)
    {
        var outside = ~Vector256.LessThanOrEqual(Vector256.Abs(a), Vector256.Create(ExpLimit));
        var x = Vector256.AndNot(a, outside);
        var shifted = Vector256.FusedMultiplyAdd(x, Vector256.Create(InverseLn2), Vector256.Create(RoundingShifter));
        var n = shifted - Vector256.Create(RoundingShifter);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = Polynomial(r, ExpTaylor);
        // 2ⁿ: n + 1023 in the exponent field (n is within ±1022 here).
        var exponent = (shifted.AsInt64() - Vector256.Create(RoundingShifter).AsInt64() + Vector256.Create(1023L)) << 52;
        var result = p * exponent.AsDouble();
        return outside == Vector256<double>.Zero ? result : WithLibm(result, a, outside, Math.Exp);
    }

    /// <summary>
    /// log a of each lane: a = 2ᵏ·m with √½ ≤ m &lt; √2, f = m − 1, s = f/(2 + f) and log m = 2 atanh s, written as
    /// f − (f²/2 − s(f²/2 + R)) with R = Σ_{j=1…10} 2s²ʲ/(2j + 1) (the next term is below 10⁻¹⁷ of the result), plus k·ln 2.
    /// Lanes that are not positive normal finite numbers take <see cref="Math.Log"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Log(Vector256<double> a)
    {
        const long sqrtHalfBits = 0x3FE6A09E667F3BCD;
        var inside = Vector256.GreaterThanOrEqual(a, Vector256.Create(SmallestNormal)) &
                     Vector256.LessThanOrEqual(a, Vector256.Create(double.MaxValue));
        var x = Vector256.ConditionalSelect(inside, a, Vector256<double>.One);
        // Adding the bits of 1 minus those of √½ carries into the exponent field exactly when the mantissa is √2 or more:
        // the field then holds k + 1023, and the mantissa bits moved back by √½'s give m in [√½, √2).
        var bits = x.AsInt64() + Vector256.Create(0x3FF0000000000000 - sqrtHalfBits);
        var k = Vector256.ConvertToDouble((bits >>> 52) - Vector256.Create(1023L));
        var m = ((bits & Vector256.Create(0x000FFFFFFFFFFFFF)) + Vector256.Create(sqrtHalfBits)).AsDouble();
        var f = m - Vector256<double>.One;
        var s = f / (Vector256.Create(2.0) + f);
        var z = s * s;
        var r = Polynomial(z, LogSeries);
        r *= z;
        var halfSquare = Vector256.Create(0.5) * f * f;
        var result = Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2High),
            -((halfSquare - Vector256.FusedMultiplyAdd(s, halfSquare + r, k * Vector256.Create(Ln2Low))) - f));
        return inside == Vector256<double>.AllBitsSet ? result : WithLibm(result, a, ~inside, Math.Log);
    }

    /// <summary>e^r = Σ r^j/j! for j = 13 … 0, highest first (the reduced argument's |r| ≤ ln 2 / 2).</summary>
    private static readonly double[] ExpTaylor =
    [
        1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040,
        1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1,
    ];

    /// <summary>2/(2j + 1) for j = 10 … 1, highest first: R/z of the logarithm, in powers of z = s².</summary>
    private static readonly double[] LogSeries = [2.0 / 21, 2.0 / 19, 2.0 / 17, 2.0 / 15, 2.0 / 13, 2.0 / 11, 2.0 / 9, 2.0 / 7, 2.0 / 5, 2.0 / 3];

    /// <summary>Σ coefficients[j]·x^(n−1−j) by Horner's rule in fused multiply-adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Polynomial(Vector256<double> x, double[] coefficients)
    {
        var sum = Vector256.Create(coefficients[0]);
        for (var j = 1; j < coefficients.Length; j++) sum = Vector256.FusedMultiplyAdd(sum, x, Vector256.Create(coefficients[j]));
        return sum;
    }

    /// <summary>The lanes of <paramref name="result"/> marked in <paramref name="lanes"/> replaced by <paramref name="libm"/> of the lane of <paramref name="a"/>.</summary>
    private static Vector256<double> WithLibm(Vector256<double> result, Vector256<double> a, Vector256<double> lanes, Func<double, double> libm)
    {
        for (var lane = 0; lane < Vector256<double>.Count; lane++)
            if (lanes.AsInt64()[lane] != 0) result = result.WithElement(lane, libm(a[lane]));
        return result;
    }
}
