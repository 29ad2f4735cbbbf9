using System.Text;

namespace LatentCycles.Training;

/// <summary>
/// The one-writer lock of a run directory: an operating-system byte-range lock on RunDirectory/run.lock, which also
/// holds the holder's process id. The operating system drops it when the process ends in any way (SIGKILL included),
/// so a stale file never blocks a run. Readers (eval, export, report) never take it.
/// </summary>
/// <remarks>
/// POSIX record locks belong to the process, and closing any handle of the file drops them: so within one process
/// the lock is counted (a second acquisition shares the first handle) and the file is opened only here.
/// </remarks>
public sealed class RunLock : IDisposable
{
    private static readonly Dictionary<string, (FileStream Stream, int Holders)> Held = new(StringComparer.Ordinal);

    private string _path;
    private bool _disposed;

    private RunLock(string path) => _path = path;

    /// <summary>Takes the lock of <paramref name="runDirectory"/> (which must exist) for this process.</summary>
    /// <exception cref="RunLockedException">another process holds it; the message names its process id.</exception>
    public static RunLock Acquire(string runDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(runDirectory), RunDirectory.LockFileName);
        lock (Held)
        {
            if (Held.TryGetValue(path, out var held))
            {
                Held[path] = (held.Stream, held.Holders + 1);
                return new RunLock(path);
            }
            if (OperatingSystem.IsMacOS()) throw new PlatformNotSupportedException("run locks need byte-range file locks, which .NET lacks on macOS");
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            try
            {
                stream.Lock(0, 1);
            }
            catch (IOException)
            {
                var holder = ReadHolder(stream);
                stream.Dispose();
                throw new RunLockedException(Path.GetDirectoryName(path)!, holder);
            }
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
            stream.Flush(flushToDisk: true);
            Held[path] = (stream, 1);
            return new RunLock(path);
        }
    }

    /// <summary>
    /// Whether a process holds the lock of <paramref name="runDirectory"/>, and its process id if it wrote it yet. Looks
    /// without taking the lock or changing a file.
    /// </summary>
    public static bool IsHeld(string runDirectory, out int? holder)
    {
        var path = Path.Combine(Path.GetFullPath(runDirectory), RunDirectory.LockFileName);
        holder = null;
        lock (Held)
        {
            if (Held.ContainsKey(path))
            {
                holder = Environment.ProcessId;
                return true;
            }
            if (OperatingSystem.IsMacOS() || !File.Exists(path)) return false;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            try
            {
                stream.Lock(0, 1);
            }
            catch (IOException)
            {
                holder = ReadHolder(stream);
                return true;
            }
            stream.Unlock(0, 1);
            return false;
        }
    }

    /// <summary>The lock's directory was renamed to <paramref name="runDirectory"/> (the open file moved with it).</summary>
    public void MovedTo(string runDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(runDirectory), RunDirectory.LockFileName);
        lock (Held)
        {
            Held[path] = Held[_path];
            Held.Remove(_path);
            _path = path;
        }
    }

    public void Dispose()
    {
        lock (Held)
        {
            if (_disposed) return;
            _disposed = true;
            var (stream, holders) = Held[_path];
            if (holders > 1)
            {
                Held[_path] = (stream, holders - 1);
                return;
            }
            Held.Remove(_path);
            stream.Dispose();
        }
    }

    /// <summary>The process id the holder wrote, or null while it has not yet (it writes right after locking).</summary>
    private static int? ReadHolder(FileStream stream)
    {
        stream.Position = 0;
        var buffer = new byte[32];
        var length = stream.Read(buffer);
        return int.TryParse(Encoding.ASCII.GetString(buffer, 0, length).Trim(), out var pid) ? pid : null;
    }
}

/// <summary>Another process writes to the run directory.</summary>
public sealed class RunLockedException(string runDirectory, int? holder) : InvalidOperationException(
    $"{runDirectory} is in use by another latentcycles process{(holder is { } pid ? $" (pid {pid})" : "")}; " +
    "wait for it to end or stop it first (eval, export, sample and report may read the run meanwhile)");
