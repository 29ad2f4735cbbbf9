using LatentCycles.Core.Data;

namespace LatentCycles.Core.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Directory_in_mnist_layout_loads_as_train_and_test(bool gzip)
    {
        using var files = new IdxFiles();
        files.WriteMnistLayout(train: 7, test: 4, gzip);

        var split = DataSetLoader.Load(files.Directory);

        Assert.Equal((7, 4), (split.Train.Count, split.Test.Count));
        Assert.Equal((3, 2), (split.Train.Rows, split.Train.Columns));
        Assert.Equal(Path.GetFileName(files.Directory), split.Name);
        Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, 4).Select(split.Test.Label));
        // Image 3's grey levels are (21 + 37i) mod 256 = 21, 58, 95, 132, 169, 206.
        Assert.Equal(new byte[] { 0, 0, 0, 1, 1, 1 }, split.Test.Image(3).ToArray());
    }

    [Fact]
    public void Grey_levels_binarize_at_128()
    {
        using var files = new IdxFiles();
        var path = files.Write("grey-images-idx3-ubyte", TestImages.Idx([1, 2, 3], [0, 127, 128, 129, 255, 1]));

        var images = IdxReader.Read(path, null);

        Assert.Equal(new byte[] { 0, 0, 1, 1, 1, 0 }, images.Image(0).ToArray());
        Assert.False(images.HasLabels);
    }

    [Fact]
    public void Single_images_file_splits_every_fifth_to_test_with_labels_found_beside_it()
    {
        using var files = new IdxFiles();
        var path = files.Write("train-images-idx3-ubyte.gz", IdxFiles.Images(12, 3, 2), gzip: true);
        files.Write("train-labels-idx1-ubyte", IdxFiles.Labels(12));

        var split = DataSetLoader.Load(path);

        Assert.Equal((10, 2), (split.Train.Count, split.Test.Count));
        Assert.Equal([4, 9], [split.Test.Label(0), split.Test.Label(1)]);
        Assert.Equal(5, split.Train.Label(4));
        Assert.Equal(IdxReader.Read(path, null).Image(9).ToArray(), split.Test.Image(1).ToArray());
    }

    [Fact]
    public void A_split_records_the_full_path_it_loads_from_again_so_a_run_finds_its_data_from_any_directory()
    {
        using var files = new IdxFiles();
        var path = files.Write("train-images-idx3-ubyte", IdxFiles.Images(10, 3, 2));
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);

        var split = DataSetLoader.Load(relative);
        var again = DataSetLoader.Load(split.Source);

        Assert.Equal(Path.GetFullPath(path), split.Source);
        Assert.Equal("train-images-idx3-ubyte", split.Name);
        Assert.Equal(split.Train.Image(7).ToArray(), again.Train.Image(7).ToArray());
        Assert.Equal("mnist10k", DataSetLoader.Load(null).Source);
    }

    [Fact]
    public void Single_images_file_without_labels_loads_unlabelled()
    {
        using var files = new IdxFiles();
        var path = files.Write("samples-images-idx3-ubyte", IdxFiles.Images(5, 3, 2));

        var split = DataSetLoader.Load(path);

        Assert.Equal((4, 1), (split.Train.Count, split.Test.Count));
        Assert.False(split.Train.HasLabels);
    }

    [Fact]
    public void Missing_path_is_reported()
    {
        var path = Path.Combine(Path.GetTempPath(), "latentcycles-no-such-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<DataFormatException>(() => DataSetLoader.Load(path));
        Assert.Contains("no such file or directory", error.Message);
    }

    [Fact]
    public void Missing_file_in_directory_is_reported()
    {
        using var files = new IdxFiles();
        files.WriteMnistLayout(train: 7, test: 4, gzip: false);
        File.Delete(files.PathOf("t10k-labels-idx1-ubyte"));

        var error = Assert.Throws<DataFormatException>(() => DataSetLoader.Load(files.Directory));
        Assert.Contains("missing t10k-labels-idx1-ubyte", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_file_is_reported(bool gzip)
    {
        using var files = new IdxFiles();
        var full = IdxFiles.Images(4, 3, 2);
        var path = files.Write("x-images-idx3-ubyte", full[..^5], gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Header_cut_short_is_reported_as_truncated()
    {
        using var files = new IdxFiles();
        var path = files.Write("x-images-idx3-ubyte", IdxFiles.Images(4, 3, 2)[..10]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Bytes_beyond_the_declared_data_are_reported()
    {
        using var files = new IdxFiles();
        var path = files.Write("x-images-idx3-ubyte", [.. IdxFiles.Images(4, 3, 2), 0, 0]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("2 bytes beyond", error.Message);
    }

    [Fact]
    public void Wrong_magic_number_is_reported()
    {
        using var files = new IdxFiles();
        var content = IdxFiles.Images(4, 3, 2);
        content[2] = 0x0D;
        var path = files.Write("x-images-idx3-ubyte", content);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("wrong magic number 0x00000D03, expected 0x00000803", error.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_reported()
    {
        using var files = new IdxFiles();
        var images = files.Write("x-images-idx3-ubyte", IdxFiles.Images(4, 3, 2));
        var labels = files.Write("x-labels-idx1-ubyte", IdxFiles.Labels(5));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));
        Assert.Contains("holds 4 images but", error.Message);
        Assert.Contains("holds 5 labels", error.Message);
    }

    [Fact]
    public void Labels_file_with_image_dimensions_is_reported()
    {
        using var files = new IdxFiles();
        var images = files.Write("x-images-idx3-ubyte", IdxFiles.Images(4, 3, 2));
        var labels = files.Write("x-labels-idx1-ubyte", IdxFiles.Images(4, 3, 2));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));
        Assert.Contains("3-dimensional, an IDX labels file must be 1-dimensional", error.Message);
    }

    [Fact]
    public void Images_file_that_is_not_three_dimensional_is_reported()
    {
        using var files = new IdxFiles();
        var path = files.Write("x-images-idx3-ubyte", TestImages.Idx([4, 6], new byte[24]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("2-dimensional, an IDX images file must be 3-dimensional", error.Message);
    }

    [Fact]
    public void Zero_size_dimension_is_reported()
    {
        using var files = new IdxFiles();
        var path = files.Write("x-images-idx3-ubyte", TestImages.Idx([4, 0, 2], []));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("dimension 1 has size 0", error.Message);
    }

    [Fact]
    public void Train_and_test_of_different_image_sizes_are_reported()
    {
        using var files = new IdxFiles();
        files.WriteMnistLayout(train: 7, test: 4, gzip: false);
        files.Write("t10k-images-idx3-ubyte", IdxFiles.Images(4, 2, 3));

        var error = Assert.Throws<DataFormatException>(() => DataSetLoader.Load(files.Directory));
        Assert.Contains("training images are 3×2 but test images are 2×3", error.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_reported()
    {
        using var files = new IdxFiles();
        var path = files.Write("x-images-idx3-ubyte.gz", IdxFiles.Images(40, 3, 2), gzip: true);
        var content = File.ReadAllBytes(path);
        for (var b = 10; b < content.Length - 8; b++) content[b] ^= 0x5A;
        File.WriteAllBytes(path, content);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, null));
        Assert.Contains("corrupt gzip", error.Message);
    }

    [Fact]
    public void Debian_fashion_mnist_loads_when_installed_and_returns_early_otherwise()
    {
        // xunit 2 has no dynamic skip: without the package (apt-get install dataset-fashion-mnist) this test passes vacuously.
        const string directory = "/usr/share/datasets/fashion-mnist";
        if (!Directory.Exists(directory)) return;

        var split = DataSetLoader.Load(directory);

        Assert.Equal((60000, 10000), (split.Train.Count, split.Test.Count));
        Assert.Equal((28, 28), (split.Train.Rows, split.Train.Columns));
        Assert.Equal(9, split.Train.Label(0));
        Assert.Equal("fashion-mnist", split.Name);
    }
}
