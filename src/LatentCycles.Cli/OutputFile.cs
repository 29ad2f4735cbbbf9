using LatentCycles.Training;

namespace LatentCycles.Cli;

/// <summary>
/// The one check every command runs before it writes a file the user asked for (export, sample, report …): an
/// existing file is replaced only with <c>--force</c>, and the files that make up a run (its store, configuration and
/// metrics) are never written over, with or without it.
/// </summary>
internal static class OutputFile
{
    /// <summary>
    /// The full path of <paramref name="path"/> once it may be written: <see cref="CliException"/> when it is a run's
    /// own file, a directory, or an existing file without <paramref name="force"/>.
    /// </summary>
    public static string Claim(string path, bool force)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliException($"{full} is a directory; give a file name");
        var directory = Path.GetDirectoryName(full);
        if (directory is not null && RunAccess.HoldsRun(directory) && IsRunFile(Path.GetFileName(full)))
            throw new CliException($"{full} is a file of the run in {directory}; choose another output file");
        if (File.Exists(full) && !force)
            throw new CliException($"{full} already exists; give --force to replace it, or another --out");
        return full;
    }

    /// <summary>The store (with SQLite's -wal and -shm companions), configuration and metrics of a run.</summary>
    private static bool IsRunFile(string name) =>
        name.StartsWith(RunDirectory.StoreFileName, StringComparison.Ordinal)
        || name == RunDirectory.ConfigFileName || name == RunDirectory.MetricsFileName;
}
