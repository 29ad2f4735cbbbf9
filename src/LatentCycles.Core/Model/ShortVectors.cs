using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentCycles.Core.Model;

/// <summary>
/// Element-wise sums of K-long rows (K ≈ 10), written out because they run once per active pixel per image in the data
/// phase, the likelihood and the chain step, where a general span routine's per-call set-up costs more than the ten
/// additions. Each element is one IEEE addition per row, in the rows' order, so the bits are those of the scalar loop.
/// </summary>
internal static class ShortVectors
{
    /// <summary>
    /// rows[i·stride + j] += source[j] for j &lt; stride, for every i of <paramref name="selected"/> in its order: each
    /// element gets the same additions in the same order as one row at a time would give it. <paramref name="stride"/> is a
    /// multiple of 4, four lanes are added at a time, and the selected rows must lie within <paramref name="rows"/> (checked
    /// once, by the smallest and largest index, not per row).
    /// </summary>
    public static void AddToSelectedRows(Span<double> rows, int stride, ReadOnlySpan<double> source, ReadOnlySpan<int> selected)
    {
        if (stride % 4 != 0 || source.Length < stride) throw new ArgumentException("the source row is shorter than the stride or the stride not a multiple of 4");
        if (selected.IsEmpty) return;
        int smallest = 0, largest = 0;
        foreach (var i in selected) (smallest, largest) = (Math.Min(smallest, i), Math.Max(largest, i));
        if (smallest < 0 || (long)(largest + 1) * stride > rows.Length) throw new ArgumentOutOfRangeException(nameof(selected), "a selected row lies outside the rows");
        ref var first = ref MemoryMarshal.GetReference(rows);
        ref var s = ref MemoryMarshal.GetReference(source);
        if (stride == 16 && Vector512.IsHardwareAccelerated)
        {
            // K = 9 … 16 in rows of two 512-bit vectors, the source in two registers; rows that start on a 64-byte boundary
            // (the caller's choice) take two cache-line accesses each instead of straddling lines as rows of 12 do.
            var s0 = Vector512.LoadUnsafe(ref s);
            var s1 = Vector512.LoadUnsafe(ref s, 8);
            foreach (var i in selected)
            {
                ref var row = ref Unsafe.Add(ref first, i * 16);
                (Vector512.LoadUnsafe(ref row) + s0).StoreUnsafe(ref row);
                (Vector512.LoadUnsafe(ref row, 8) + s1).StoreUnsafe(ref row, 8);
            }
            return;
        }
        if (stride == 12)
        {
            // K = 9 … 12, MNIST's K = 10 among them: the source stays in three registers.
            var s0 = Vector256.LoadUnsafe(ref s);
            var s1 = Vector256.LoadUnsafe(ref s, 4);
            var s2 = Vector256.LoadUnsafe(ref s, 8);
            foreach (var i in selected)
            {
                ref var row = ref Unsafe.Add(ref first, i * 12);
                (Vector256.LoadUnsafe(ref row) + s0).StoreUnsafe(ref row);
                (Vector256.LoadUnsafe(ref row, 4) + s1).StoreUnsafe(ref row, 4);
                (Vector256.LoadUnsafe(ref row, 8) + s2).StoreUnsafe(ref row, 8);
            }
            return;
        }
        foreach (var i in selected)
        {
            ref var row = ref Unsafe.Add(ref first, i * stride);
            for (nuint j = 0; j < (nuint)stride; j += 4)
                (Vector256.LoadUnsafe(ref row, j) + Vector256.LoadUnsafe(ref s, j)).StoreUnsafe(ref row, j);
        }
    }

    /// <summary>The row width <see cref="SumSelectedRows"/> needs for rows of <paramref name="length"/> numbers: the next multiple of 4.</summary>
    public static int PaddedLength(int length) => (length + 3) / 4 * 4;

    /// <summary>
    /// output[0 … stride) = start[0 … stride) + Σ over <paramref name="selected"/>, in its order, of row i of
    /// <paramref name="rows"/> (rows[i·stride …]). The sums stay in registers, sixteen lanes at a time in four independent
    /// vector sums and the rest in one to three, and each lane adds the rows in the selected order, so the bits are those
    /// of adding the rows one by one into output. <paramref name="stride"/> is a multiple of 4, and every selected index
    /// must be a row of <paramref name="rows"/> (they are not checked: this runs once per chain step).
    /// </summary>
    public static void SumSelectedRows(ReadOnlySpan<double> rows, int stride, ReadOnlySpan<double> start, ReadOnlySpan<int> selected,
        Span<double> output)
    {
        if (stride % 4 != 0 || start.Length < stride || output.Length < stride)
            throw new ArgumentException("the stride must be a multiple of 4 that the start and output rows hold");
        ref var rowsStart = ref MemoryMarshal.GetReference(rows);
        ref var first = ref MemoryMarshal.GetReference(start);
        ref var indices = ref MemoryMarshal.GetReference(selected);
        ref var sums = ref MemoryMarshal.GetReference(output);
        var width = (nuint)stride;
        nuint j = 0;
        for (; j + 16 <= width; j += 16) SumSelectedRows<FourVectors>(ref rowsStart, width, ref first, ref indices, selected.Length, ref sums, j);
        switch (width - j)
        {
            case 12: SumSelectedRows<ThreeVectors>(ref rowsStart, width, ref first, ref indices, selected.Length, ref sums, j); break;
            case 8: SumSelectedRows<TwoVectors>(ref rowsStart, width, ref first, ref indices, selected.Length, ref sums, j); break;
            case 4: SumSelectedRows<OneVector>(ref rowsStart, width, ref first, ref indices, selected.Length, ref sums, j); break;
        }
    }

    /// <summary>Lanes j … j + 4·TCount − 1 of <see cref="SumSelectedRows(ReadOnlySpan{double}, int, ReadOnlySpan{double}, ReadOnlySpan{int}, Span{double})"/>;
    /// the JIT compiles one copy per count, with the unused sums removed.</summary>
    private static void SumSelectedRows<TCount>(ref double rows, nuint stride, ref double start, ref int selected, int count,
        ref double output, nuint j) where TCount : struct, IVectorCount
    {
        var sum0 = Vector256.LoadUnsafe(ref start, j);
        var sum1 = TCount.Count > 1 ? Vector256.LoadUnsafe(ref start, j + 4) : default;
        var sum2 = TCount.Count > 2 ? Vector256.LoadUnsafe(ref start, j + 8) : default;
        var sum3 = TCount.Count > 3 ? Vector256.LoadUnsafe(ref start, j + 12) : default;
        for (var a = 0; a < count; a++)
        {
            ref var row = ref Unsafe.Add(ref rows, (nuint)Unsafe.Add(ref selected, a) * stride + j);
            sum0 += Vector256.LoadUnsafe(ref row);
            if (TCount.Count > 1) sum1 += Vector256.LoadUnsafe(ref row, 4);
            if (TCount.Count > 2) sum2 += Vector256.LoadUnsafe(ref row, 8);
            if (TCount.Count > 3) sum3 += Vector256.LoadUnsafe(ref row, 12);
        }
        sum0.StoreUnsafe(ref output, j);
        if (TCount.Count > 1) sum1.StoreUnsafe(ref output, j + 4);
        if (TCount.Count > 2) sum2.StoreUnsafe(ref output, j + 8);
        if (TCount.Count > 3) sum3.StoreUnsafe(ref output, j + 12);
    }

    /// <summary>How many 4-lane sums a copy of <c>SumSelectedRows</c> keeps: a constant per type, so each count compiles apart.</summary>
    private interface IVectorCount { static abstract int Count { get; } }
    private struct OneVector : IVectorCount { public static int Count => 1; }
    private struct TwoVectors : IVectorCount { public static int Count => 2; }
    private struct ThreeVectors : IVectorCount { public static int Count => 3; }
    private struct FourVectors : IVectorCount { public static int Count => 4; }
}
