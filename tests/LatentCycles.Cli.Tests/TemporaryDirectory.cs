using System.Security.Cryptography;

namespace LatentCycles.Cli.Tests;

/// <summary>A fresh directory under the system's temporary directory, deleted on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "latentcycles-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }

    /// <summary>SHA-256 of every file under <paramref name="directory"/>, by relative path: equal maps mean untouched files.</summary>
    public static SortedDictionary<string, string> FileHashes(string directory)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            hashes[System.IO.Path.GetRelativePath(directory, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        return hashes;
    }

    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
    }
}
