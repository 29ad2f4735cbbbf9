using LatentCycles.Core.Data;
using SkiaSharp;

namespace LatentCycles.Cli.Tests;

public sealed class ImageGridTests
{
    [Fact]
    public void Grid_draws_each_pixel_as_a_doubled_square_ink_black_on_white_between_grey_gaps()
    {
        // Two 2×3 images: the first all ink, the second ink only at row 1, column 2.
        byte[] pixels = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1];
        var png = ImageGrid.EncodePng(new BinaryImages(pixels, 2, 2, 3, null), gridColumns: 10);

        using var bitmap = SKBitmap.Decode(png);
        const int scale = ImageGrid.Scale, gap = ImageGrid.Gap, tileWidth = 3 * scale;
        Assert.Equal((gap + 2 * (tileWidth + gap), gap + 2 * scale + gap), (bitmap.Width, bitmap.Height));
        Assert.Equal(SKColors.Black, bitmap.GetPixel(gap, gap));
        Assert.Equal(new SKColor(204, 204, 204), bitmap.GetPixel(0, 0));
        var secondLeft = gap + tileWidth + gap;
        Assert.Equal(SKColors.White, bitmap.GetPixel(secondLeft, gap));
        Assert.Equal(SKColors.Black, bitmap.GetPixel(secondLeft + 2 * scale + 1, gap + scale + 1));
        Assert.Equal(SKColors.White, bitmap.GetPixel(secondLeft + 2 * scale - 1, gap + scale + 1));
    }

    [Fact]
    public void Grid_wraps_after_the_given_number_of_columns()
    {
        Assert.Equal((2 + 10 * (56 + 2), 2 + 3 * (56 + 2)), ImageGrid.GridSize(21, 28, 28));
        Assert.Equal((2 + 4 * (56 + 2), 2 + 56 + 2), ImageGrid.GridSize(4, 28, 28));
    }
}
