namespace LatentCycles.Core.Model;

/// <summary>
/// Runs a loop over 0 … count−1 as contiguous ranges in parallel, for work whose every output belongs to exactly one
/// index: each output is then computed by one thread in the same order as in a plain loop, so the bits do not depend on
/// how many threads there are or how the ranges fall. Loops too short to repay the hand-off run on the caller's thread.
/// </summary>
public static class DisjointRanges
{
    public static void For(int count, int minimumPerRange, Action<int, int> body)
    {
        var ranges = Math.Min(Environment.ProcessorCount, count / Math.Max(1, minimumPerRange));
        if (ranges <= 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, ranges, r => body((int)((long)count * r / ranges), (int)((long)count * (r + 1) / ranges)));
    }
}
