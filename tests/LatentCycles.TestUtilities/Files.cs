using System.Security.Cryptography;

namespace LatentCycles.TestUtilities;

/// <summary>File contents compared by hash, and directories copied, for tests that check files are left untouched.</summary>
public static class Files
{
    /// <summary>SHA-256 of the file, in hex.</summary>
    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>SHA-256 of every file under <paramref name="directory"/>, by relative path: equal maps mean untouched files.</summary>
    public static SortedDictionary<string, string> Hashes(string directory)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            hashes[Path.GetRelativePath(directory, file)] = Hash(file);
        return hashes;
    }

    /// <summary>Copies the files of <paramref name="source"/> (not its subdirectories) into <paramref name="target"/>.</summary>
    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }
}
