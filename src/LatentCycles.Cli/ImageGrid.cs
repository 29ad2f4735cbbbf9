using LatentCycles.Core.Data;
using SkiaSharp;

namespace LatentCycles.Cli;

/// <summary>
/// Renders images as one PNG grid: row-major tiles, each pixel drawn as a <see cref="Scale"/>×<see cref="Scale"/> square
/// (intensity 1 white, 0 black), tiles separated by <see cref="Gap"/> light grey pixels. Binary images are drawn as the
/// report draws them, ink black on white.
/// </summary>
public static class ImageGrid
{
    public const int DefaultColumns = 10;
    public const int Scale = 2;
    public const int Gap = 2;

    private static readonly SKColor GapColour = new(204, 204, 204);

    /// <summary>The binary images (pixel 1 = ink, black) as a PNG grid of <paramref name="gridColumns"/> tiles per row.</summary>
    public static byte[] EncodePng(BinaryImages images, int gridColumns = DefaultColumns)
    {
        var n = images.PixelCount;
        var intensities = new double[images.Count * n];
        for (var j = 0; j < images.Count; j++)
        {
            var image = images.Image(j);
            for (var i = 0; i < n; i++) intensities[j * n + i] = 1 - image[i];
        }
        return EncodePng(intensities, images.Count, images.Rows, images.Columns, gridColumns);
    }

    /// <summary>
    /// <paramref name="count"/> grey-level images given as intensities in [0, 1], Count×(rows·columns) row-major
    /// (e.g. the decoder means of <see cref="Core.Evaluation.ModelSampler.DecoderMeans"/>), as a PNG grid.
    /// </summary>
    public static byte[] EncodePng(ReadOnlySpan<double> intensities, int count, int rows, int columns, int gridColumns = DefaultColumns)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "a grid needs at least one image");
        if (intensities.Length != count * rows * columns) throw new ArgumentException($"{intensities.Length} intensities for {count} images of {rows}×{columns}");
        if (gridColumns < 1) throw new ArgumentOutOfRangeException(nameof(gridColumns), "a grid needs at least one column");

        var (width, height) = GridSize(count, rows, columns, gridColumns);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(GapColour);
        for (var tile = 0; tile < count; tile++)
        {
            var left = Gap + tile % gridColumns * (columns * Scale + Gap);
            var top = Gap + tile / gridColumns * (rows * Scale + Gap);
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                {
                    var level = (byte)Math.Round(255 * Math.Clamp(intensities[(tile * rows + r) * columns + c], 0, 1));
                    var colour = new SKColor(level, level, level);
                    for (var dy = 0; dy < Scale; dy++)
                        for (var dx = 0; dx < Scale; dx++)
                            bitmap.SetPixel(left + c * Scale + dx, top + r * Scale + dy, colour);
                }
        }
        using var png = new MemoryStream();
        if (!bitmap.Encode(png, SKEncodedImageFormat.Png, 100)) throw new InvalidOperationException("SkiaSharp could not encode the grid as PNG");
        return png.ToArray();
    }

    /// <summary>Width and height in pixels of the grid of <paramref name="count"/> images.</summary>
    public static (int Width, int Height) GridSize(int count, int rows, int columns, int gridColumns = DefaultColumns)
    {
        var tilesAcross = Math.Min(gridColumns, count);
        var tilesDown = (count + gridColumns - 1) / gridColumns;
        return (Gap + tilesAcross * (columns * Scale + Gap), Gap + tilesDown * (rows * Scale + Gap));
    }
}
