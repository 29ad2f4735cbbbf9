namespace LatentCycles.Core.Data;

/// <summary>
/// Finds a data set by the name the user gives: the embedded MNIST digits, a directory of IDX files in the usual
/// MNIST layout, or a single IDX images file.
/// </summary>
public static class DataSetLoader
{
    private static readonly (string Images, string Labels) TrainFiles = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte");
    private static readonly (string Images, string Labels) TestFiles = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /// <summary>
    /// Loads a split from <paramref name="path"/>:
    /// <list type="bullet">
    /// <item><c>null</c> or <c>mnist10k</c>: the embedded digits' standard split (<see cref="EmbeddedMnist"/>);</item>
    /// <item>a directory: <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>,
    /// <c>t10k-labels-idx1-ubyte</c>, each raw or with <c>.gz</c>, as training and test sets;</item>
    /// <item>an images file: split by <see cref="StandardSplit"/>, labelled from the matching <c>labels-idx1</c> file beside it if there is one.</item>
    /// </list>
    /// </summary>
    /// <exception cref="DataFormatException">the path does not exist, or a file is missing, malformed or inconsistent.</exception>
    public static DataSplit Load(string? path)
    {
        if (path is null || string.Equals(path, EmbeddedMnist.Name, StringComparison.OrdinalIgnoreCase))
            return EmbeddedMnist.LoadStandardSplit();
        if (Directory.Exists(path)) return LoadDirectory(path);
        if (File.Exists(path))
            return StandardSplit(IdxReader.Read(path, LabelsBeside(path)), Path.GetFileName(path), Path.GetFullPath(path));
        throw new DataFormatException($"{path}: no such file or directory");
    }

    /// <summary>
    /// The standard split of one set: image i goes to the test set when i % 5 == 4, else to the training set,
    /// both in their original order (so every fifth image is held out, whatever the ordering by class).
    /// </summary>
    /// <exception cref="DataFormatException">fewer than 5 images: the test set would be empty.</exception>
    public static DataSplit StandardSplit(BinaryImages all, string name, string source)
    {
        if (all.Count < 5)
            throw new DataFormatException($"{name} holds {all.Count} image(s); at least 5 are needed, as every fifth is held out for testing");
        var train = new List<int>(all.Count - all.Count / 5);
        var test = new List<int>(all.Count / 5);
        for (var i = 0; i < all.Count; i++) (i % 5 == 4 ? test : train).Add(i);
        return new DataSplit(all.Select(train), all.Select(test), name, source);
    }

    private static DataSplit LoadDirectory(string directory)
    {
        var train = IdxReader.Read(FindIn(directory, TrainFiles.Images), FindIn(directory, TrainFiles.Labels));
        var test = IdxReader.Read(FindIn(directory, TestFiles.Images), FindIn(directory, TestFiles.Labels));
        if (train.Rows != test.Rows || train.Columns != test.Columns)
            throw new DataFormatException(
                $"{directory}: training images are {train.Rows}×{train.Columns} but test images are {test.Rows}×{test.Columns}");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        return new DataSplit(train, test, Path.GetFileName(full), full);
    }

    /// <summary>The path of <paramref name="baseName"/> in the directory, raw or gzip-compressed.</summary>
    private static string FindIn(string directory, string baseName)
    {
        var raw = Path.Combine(directory, baseName);
        if (File.Exists(raw)) return raw;
        if (File.Exists(raw + ".gz")) return raw + ".gz";
        throw new DataFormatException($"{directory}: missing {baseName} (or {baseName}.gz)");
    }

    /// <summary>The labels file named like the images file (<c>images-idx3</c> → <c>labels-idx1</c>), if it exists.</summary>
    private static string? LabelsBeside(string imagesPath)
    {
        var fileName = Path.GetFileName(imagesPath);
        if (!fileName.Contains("images-idx3", StringComparison.Ordinal)) return null;
        var directory = Path.GetDirectoryName(imagesPath) ?? "";
        var labelsName = fileName.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal);
        foreach (var candidate in new[] { labelsName, labelsName + ".gz", Path.ChangeExtension(labelsName, null) })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
