using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentCycles.Core.Training;

/// <summary>
/// Rows of doubles updated by a weight times integer statistics, four at a time: the chain phase's loops over the K·K·N
/// and K·N·K statistics, and the transposes that lay the gradient out in the statistics' order. Written out because no library routine takes longs and a scalar weight in one pass. Each
/// element gets one product rounded, then one sum rounded, exactly as the scalar expression <c>t += w * x</c> (the
/// counts are below 2⁵³, so their conversion to double is exact), so the bits are those of the scalar loops. Compiled
/// fully optimized from the first call: they run a few hundred short loops a round, too few iterations per call for the
/// runtime to replace their unoptimized first version soon (docs/PERFORMANCE.md, "Compilation").
/// </summary>
internal static class ScaledCounts
{
    /// <summary>a[i] += wa·x[i] and b[i] += wb·x[i] for every i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTo(Span<double> a, double wa, Span<double> b, double wb, ReadOnlySpan<long> x)
    {
        var length = x.Length;
        if (a.Length < length || b.Length < length) throw new ArgumentException("the rows differ in length");
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rx = ref MemoryMarshal.GetReference(x);
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(wa);
            var vb = Vector256.Create(wb);
            for (; i + 4 <= (nuint)length; i += 4)
            {
                var counts = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref rx, i));
                (Vector256.LoadUnsafe(ref ra, i) + va * counts).StoreUnsafe(ref ra, i);
                (Vector256.LoadUnsafe(ref rb, i) + vb * counts).StoreUnsafe(ref rb, i);
            }
        }
        for (; i < (nuint)length; i++)
        {
            double count = Unsafe.Add(ref rx, i);
            Unsafe.Add(ref ra, i) += wa * count;
            Unsafe.Add(ref rb, i) += wb * count;
        }
    }

    /// <summary>a[i] −= w·x[i] for every i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SubtractFrom(Span<double> a, double w, ReadOnlySpan<long> x)
    {
        var length = x.Length;
        if (a.Length < length) throw new ArgumentException("the rows differ in length");
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rx = ref MemoryMarshal.GetReference(x);
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vw = Vector256.Create(w);
            for (; i + 4 <= (nuint)length; i += 4)
                (Vector256.LoadUnsafe(ref ra, i) - vw * Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref rx, i))).StoreUnsafe(ref ra, i);
        }
        for (; i < (nuint)length; i++) Unsafe.Add(ref ra, i) -= w * Unsafe.Add(ref rx, i);
    }

    /// <summary>target[c·rows + r] = source[r·columns + c]: a rows × columns matrix transposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<double> source, int rows, int columns, Span<double> target)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = source.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++) target[c * rows + r] = row[c];
        }
    }
}
