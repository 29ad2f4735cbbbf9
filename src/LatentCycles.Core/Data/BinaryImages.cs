namespace LatentCycles.Core.Data;

/// <summary>
/// A set of binary images: <c>Count</c> vectors x ∈ {0,1}^N stored one byte per pixel (0 or 1),
/// row-major, with optional class labels (0…9 for digits).
/// </summary>
public sealed class BinaryImages
{
    private readonly byte[] _pixels;
    private readonly int[]? _labels;
    private ActivePixels? _active;

    public BinaryImages(byte[] pixels, int count, int rows, int columns, int[]? labels)
    {
        if (rows <= 0 || columns <= 0) throw new ArgumentException("image dimensions must be positive");
        if (pixels.Length != (long)count * rows * columns)
            throw new ArgumentException($"expected {count}×{rows}×{columns} pixels, got {pixels.Length}");
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"{count} images but {labels.Length} labels");
        _pixels = pixels;
        _labels = labels;
        Count = count;
        Rows = rows;
        Columns = columns;
    }

    public int Count { get; }
    public int Rows { get; }
    public int Columns { get; }

    /// <summary>N, the number of visible units.</summary>
    public int PixelCount => Rows * Columns;

    public bool HasLabels => _labels is not null;

    /// <summary>Image i as N bytes, each 0 or 1.</summary>
    public ReadOnlySpan<byte> Image(int i) => new(_pixels, i * PixelCount, PixelCount);

    /// <summary>The active pixels of every image, built on first use (any thread) and kept.</summary>
    internal ActivePixels Active => LazyInitializer.EnsureInitialized(ref _active, () => ActivePixels.Build(this));

    public int Label(int i) => _labels is null ? throw new InvalidOperationException("this data set has no labels") : _labels[i];

    /// <summary>The images at the given indices, in that order.</summary>
    public BinaryImages Select(IReadOnlyList<int> indices)
    {
        var n = PixelCount;
        var pixels = new byte[indices.Count * n];
        var labels = _labels is null ? null : new int[indices.Count];
        for (var j = 0; j < indices.Count; j++)
        {
            Image(indices[j]).CopyTo(pixels.AsSpan(j * n, n));
            if (labels is not null) labels[j] = _labels![indices[j]];
        }
        return new BinaryImages(pixels, indices.Count, Rows, Columns, labels);
    }

    /// <summary>Mean of each pixel over the set (N values).</summary>
    public double[] PixelMeans()
    {
        var n = PixelCount;
        var sums = new long[n];
        for (var j = 0; j < Count; j++)
        {
            var im = Image(j);
            for (var i = 0; i < n; i++) sums[i] += im[i];
        }
        var means = new double[n];
        for (var i = 0; i < n; i++) means[i] = Count == 0 ? 0.5 : (double)sums[i] / Count;
        return means;
    }
}

/// <summary>A training set and a test set drawn from one source.</summary>
/// <param name="Name">A short name for display (a file or directory name, or <c>mnist10k</c>).</param>
/// <param name="Source">What <see cref="DataSetLoader.Load"/> reads the same split from again: <c>mnist10k</c> or a full path.
/// A run's config.json records it, so a resumed run finds its data wherever it was started from.</param>
public sealed record DataSplit(BinaryImages Train, BinaryImages Test, string Name, string Source);
