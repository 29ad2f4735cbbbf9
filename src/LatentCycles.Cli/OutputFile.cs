using LatentCycles.Training;

namespace LatentCycles.Cli;

/// <summary>
/// The one guard every command runs before it writes a file for the user (sample's PNG, export's .npz, report's
/// documents and figures; any new writer must use it too): an existing file is replaced only with <c>--force</c>, and
/// the files that make up a run (its store with SQLite's companions, configuration, metrics, log and lock) are never
/// written over, with or without it. <see cref="Write"/> then puts the file in place whole or not at all.
/// </summary>
internal static class OutputFile
{
    /// <summary>
    /// The full path of <paramref name="path"/> once it may be written: <see cref="CliException"/> when it is a run's
    /// own file (also through a symbolic link), a directory, or an existing file without <paramref name="force"/>.
    /// Call it before the work, so a refused path costs nothing; <see cref="Write"/> checks again.
    /// </summary>
    public static string Claim(string path, bool force)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new CliException("the output file name must not be empty");
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full) || Path.EndsInDirectorySeparator(path)) throw new CliException($"{full} is a directory; give a file name");
        var target = File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full : full;
        foreach (var candidate in new[] { full, target })
        {
            var directory = Path.GetDirectoryName(candidate);
            if (directory is not null && RunAccess.HoldsRun(directory) && RunDirectory.IsRunFile(Path.GetFileName(candidate)))
                throw new CliException($"{full} is a file of the run in {directory}; choose another output file");
        }
        if (File.Exists(full) && !force)
            throw new CliException($"{full} already exists; give --force to replace it, or another --out");
        var parent = Path.GetDirectoryName(full);
        if (parent is not null && File.Exists(parent)) throw new CliException($"{parent} is a file, not a directory");
        return full;
    }

    /// <summary>
    /// Writes <paramref name="path"/> (checked again with <see cref="Claim"/>) through a temporary file beside it, moved
    /// into place once complete; on any failure the temporary file is removed and an existing file is left as it was.
    /// Creates the parent directory if needed.
    /// </summary>
    public static void Write(string path, bool force, Action<Stream> write)
    {
        var full = Claim(path, force);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                write(stream);
            File.Move(temporary, full, overwrite: force);
        }
        catch (IOException e) when (!force && File.Exists(full))
        {
            throw new CliException($"{full} appeared while it was written ({e.Message}); give --force to replace it");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {full}: {e.Message}");
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
