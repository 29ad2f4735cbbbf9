using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentCycles.Core.Model;

/// <summary>
/// The two link functions of the model (MODEL.md §1) — σ for the decoder's Bernoulli means, softmax for the encoder —
/// and their log-normalizers, softplus and log-sum-exp, which every log-likelihood is written with.
/// </summary>
/// <remarks>
/// e^a and log a here are the lanes of the vectorized <see cref="Vector512.Exp(Vector512{double})"/> and
/// <see cref="Vector512.Log(Vector512{double})"/> (within 2 ulp of <see cref="Math.Exp"/>, and 4 to 8 times faster per
/// element when a round needs thousands of them). The scalar functions take one lane, the span functions a vector at a
/// time, and the lanes of the 128-, 256- and 512-bit forms agree (LogisticTests checks it), so a value has the same bits
/// however it was computed: a trainer, an evaluator and a test oracle that compute the same formula agree exactly.
/// The chain sweep's softmax keeps <see cref="Math.Exp"/>: it is ten numbers per chain step and its bits are pinned by
/// the sweep's oracle tests.
/// </remarks>
public static class Logistic
{
    /// <summary>e^a: one lane of the vectorized exponential.</summary>
    public static double Exp(double a) => Vector128.Exp(Vector128.Create(a)).ToScalar();

    /// <summary>
    /// The vectorized exponential computes a whole vector with <see cref="Math.Exp"/> when any lane's |a| passes 708 (or is
    /// NaN), so a lane's bits would depend on its neighbours. The span functions give those lanes <see cref="Math.Exp"/>
    /// alone and the others the vector's: each lane then gets what <see cref="Exp(double)"/> gives it alone.
    /// </summary>
    private const ulong VectorExpLimitBits = 0x4086_2000_0000_0000; // 708.0

    private static Vector512<double> LanewiseExp(Vector512<double> a)
    {
        var outside = Vector512.GreaterThan(Vector512.Abs(a).AsUInt64(), Vector512.Create(VectorExpLimitBits));
        if (outside == Vector512<ulong>.Zero) return Vector512.Exp(a);
        var result = Vector512.Exp(Vector512.ConditionalSelect(outside.AsDouble(), Vector512<double>.Zero, a));
        for (var lane = 0; lane < Vector512<double>.Count; lane++)
            if (outside[lane] != 0) result = result.WithElement(lane, Math.Exp(a[lane]));
        return result;
    }

    private static Vector256<double> LanewiseExp(Vector256<double> a)
    {
        var outside = Vector256.GreaterThan(Vector256.Abs(a).AsUInt64(), Vector256.Create(VectorExpLimitBits));
        if (outside == Vector256<ulong>.Zero) return Vector256.Exp(a);
        var result = Vector256.Exp(Vector256.ConditionalSelect(outside.AsDouble(), Vector256<double>.Zero, a));
        for (var lane = 0; lane < Vector256<double>.Count; lane++)
            if (outside[lane] != 0) result = result.WithElement(lane, Math.Exp(a[lane]));
        return result;
    }

    /// <summary>log a: one lane of the vectorized logarithm.</summary>
    public static double Log(double a) => Vector128.Log(Vector128.Create(a)).ToScalar();

    /// <summary>σ(a) = 1 / (1 + e^−a).</summary>
    public static double Sigmoid(double a) => 1.0 / (1.0 + Exp(-a));

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

    /// <summary>softplus(a) = log(1 + e^a), stable for any a.</summary>
    public static double Softplus(double a) => a > 0 ? a + Log(1 + Exp(-a)) : Log(1 + Exp(a));

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

    /// <summary>An element-wise function written once for each vector width, lane for lane the same.</summary>
    private interface ILanes
    {
        static abstract Vector512<double> Apply(Vector512<double> a);
        static abstract Vector256<double> Apply(Vector256<double> a);
    }

    private readonly struct ExpLanes : ILanes
    {
        public static Vector512<double> Apply(Vector512<double> a) => LanewiseExp(a);
        public static Vector256<double> Apply(Vector256<double> a) => LanewiseExp(a);
    }

    private readonly struct SigmoidLanes : ILanes
    {
        public static Vector512<double> Apply(Vector512<double> a) => Vector512<double>.One / (Vector512<double>.One + LanewiseExp(-a));
        public static Vector256<double> Apply(Vector256<double> a) => Vector256<double>.One / (Vector256<double>.One + LanewiseExp(-a));
    }

    private readonly struct SoftplusLanes : ILanes
    {
        // a + log(1 + e^−a) for a > 0, else log(1 + e^a): both are log(1 + e^−|a|) plus a where a > 0.
        public static Vector512<double> Apply(Vector512<double> a)
        {
            var tail = Vector512.Log(Vector512<double>.One + LanewiseExp(-Vector512.Abs(a)));
            return Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<double>.Zero), a + tail, tail);
        }

        public static Vector256<double> Apply(Vector256<double> a)
        {
            var tail = Vector256.Log(Vector256<double>.One + LanewiseExp(-Vector256.Abs(a)));
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
        if (Vector512.IsHardwareAccelerated)
            for (; j + Vector512<double>.Count <= a.Length; j += Vector512<double>.Count)
                TLanes.Apply(Vector512.LoadUnsafe(ref source, (nuint)j)).StoreUnsafe(ref target, (nuint)j);
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
}
