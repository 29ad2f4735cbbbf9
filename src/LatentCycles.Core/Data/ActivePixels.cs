namespace LatentCycles.Core.Data;

/// <summary>
/// The indices of the pixels equal to 1 in each image, in compressed-row form: image j's active pixels are
/// <c>Indices[Offsets[j] .. Offsets[j+1])</c>. Binarized digits are about 13 % ones, so sums over images
/// that only need the ones skip most of the work (and the branch on every pixel). Built once per image set
/// (<see cref="BinaryImages.Active"/>).
/// </summary>
internal sealed class ActivePixels
{
    private ActivePixels(int[] offsets, int[] indices)
    {
        Offsets = offsets;
        Indices = indices;
    }

    /// <summary>Count + 1 offsets into <see cref="Indices"/>.</summary>
    public int[] Offsets { get; }

    /// <summary>Pixel indices (0 … N−1) of all active pixels, image by image, increasing within an image.</summary>
    public int[] Indices { get; }

    public ReadOnlySpan<int> ForImage(int image) => Indices.AsSpan(Offsets[image], Offsets[image + 1] - Offsets[image]);

    /// <summary>How many images.</summary>
    public int Count => Offsets.Length - 1;

    /// <summary>
    /// The active pixels of the images at <paramref name="images"/>, copied one after another in that order (image j of
    /// the result is images[j]): a round's minibatch read in order instead of from 500 places in the data set, which
    /// the processor's prefetching follows (docs/PERFORMANCE.md, "The minibatch's pixels in one piece").
    /// </summary>
    public ActivePixels Select(IReadOnlyList<int> images)
    {
        var offsets = new int[images.Count + 1];
        for (var j = 0; j < images.Count; j++) offsets[j + 1] = offsets[j] + ForImage(images[j]).Length;
        var indices = GC.AllocateUninitializedArray<int>(offsets[^1]);
        for (var j = 0; j < images.Count; j++) ForImage(images[j]).CopyTo(indices.AsSpan(offsets[j]));
        return new ActivePixels(offsets, indices);
    }

    public static ActivePixels Build(BinaryImages images)
    {
        var offsets = new int[images.Count + 1];
        var indices = new List<int>();
        for (var j = 0; j < images.Count; j++)
        {
            var image = images.Image(j);
            for (var i = 0; i < image.Length; i++)
                if (image[i] != 0) indices.Add(i);
            offsets[j + 1] = indices.Count;
        }
        return new ActivePixels(offsets, indices.ToArray());
    }
}
