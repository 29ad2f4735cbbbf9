using System.IO.Compression;
using LatentCycles.Core.Data;

namespace LatentCycles.Core.Tests.Data;

public class EmbeddedMnistTests
{
    [Fact]
    public void Embedded_set_holds_ten_thousand_labelled_digits_ordered_by_class()
    {
        var all = EmbeddedMnist.LoadAll();

        Assert.Equal(10000, all.Count);
        Assert.Equal((28, 28), (all.Rows, all.Columns));
        Assert.All(Enumerable.Range(0, 1001), j => Assert.Equal(0, all.Label(j)));
        Assert.Equal(1, all.Label(1001));
        Assert.Equal(9, all.Label(9999));
    }

    [Fact]
    public void Embedded_pixels_are_binary_with_mnist_like_density()
    {
        var means = EmbeddedMnist.LoadAll().PixelMeans();

        Assert.InRange(means.Average(), 0.12, 0.14);
        Assert.Equal(0.0, means[0]);
    }

    [Fact]
    public void Standard_split_holds_every_fifth_image_out_in_order()
    {
        var all = EmbeddedMnist.LoadAll();
        var split = EmbeddedMnist.LoadStandardSplit();

        Assert.Equal((8000, 2000), (split.Train.Count, split.Test.Count));
        Assert.Equal("mnist10k", split.Name);
        Assert.Equal(all.Image(4).ToArray(), split.Test.Image(0).ToArray());
        Assert.Equal(all.Image(9999).ToArray(), split.Test.Image(1999).ToArray());
        Assert.Equal(all.Image(5).ToArray(), split.Train.Image(4).ToArray());
        Assert.Same(split, EmbeddedMnist.LoadStandardSplit());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("mnist10k")]
    public void Loader_names_the_embedded_split(string? name)
    {
        Assert.Same(EmbeddedMnist.LoadStandardSplit(), DataSetLoader.Load(name));
    }

    [Fact]
    public void Packed_pixels_unpack_least_significant_bit_first()
    {
        byte[] raw = [.. "LCMNIST1"u8, 1, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 7, 0b1000_0101, 0b0000_0001];

        var images = EmbeddedMnist.Decode(Gzip(raw));

        Assert.Equal(new byte[] { 1, 0, 1, 0, 0, 0, 0, 1, 1 }, images.Image(0).ToArray());
        Assert.Equal(7, images.Label(0));
    }

    [Fact]
    public void Wrong_magic_in_packed_format_is_reported()
    {
        byte[] raw = [.. "LCMNIST2"u8, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 1];

        var error = Assert.Throws<DataFormatException>(() => EmbeddedMnist.Decode(Gzip(raw)));
        Assert.Contains("not an LCMNIST1 file", error.Message);
    }

    private static MemoryStream Gzip(byte[] raw)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(raw);
        compressed.Position = 0;
        return compressed;
    }
}
