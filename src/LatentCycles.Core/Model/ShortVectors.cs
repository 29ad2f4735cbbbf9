using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LatentCycles.Core.Model;

/// <summary>
/// Element-wise sums of K-long rows (K ≈ 10), written out because they run once per active pixel per image in the data
/// phase and the likelihood, where a general span routine's per-call set-up costs more than the ten additions. Each
/// element is one IEEE addition, so the bits are those of the scalar loop.
/// </summary>
internal static class ShortVectors
{
    /// <summary>target[j] += source[j] for every j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInPlace(Span<double> target, ReadOnlySpan<double> source)
    {
        var length = target.Length;
        if (source.Length < length) throw new ArgumentException("the rows differ in length");
        ref var t = ref MemoryMarshal.GetReference(target);
        ref var s = ref MemoryMarshal.GetReference(source);
        var j = 0;
        for (; j + 4 <= length; j += 4)
            (Vector256.LoadUnsafe(ref t, (nuint)j) + Vector256.LoadUnsafe(ref s, (nuint)j)).StoreUnsafe(ref t, (nuint)j);
        for (; j < length; j++) Unsafe.Add(ref t, j) += Unsafe.Add(ref s, j);
    }
}
