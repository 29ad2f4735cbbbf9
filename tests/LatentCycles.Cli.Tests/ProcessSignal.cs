using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LatentCycles.Cli.Tests;

/// <summary>POSIX signals for child processes (.NET's Process.Kill only sends SIGKILL).</summary>
internal static class ProcessSignal
{
    private const int SigTerm = 15;

    public static void Terminate(Process process)
    {
        if (Kill(process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
