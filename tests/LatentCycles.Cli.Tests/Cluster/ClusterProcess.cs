using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LatentCycles.Cli.Tests.Cluster;

/// <summary>A <c>latentcycles</c> child process whose output is collected as it comes, so tests can wait on a line.</summary>
internal sealed class ClusterProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private readonly string _name;

    private ClusterProcess(string name, Process process)
    {
        _name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ClusterProcess Start(string name, params string[] args) => Start(name, new Dictionary<string, string>(), args);

    /// <summary>Starts the program with <paramref name="environment"/> added to this process's environment.</summary>
    public static ClusterProcess Start(string name, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (variable, value) in environment) info.Environment[variable] = value;
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(CliRunner.ProgramPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new ClusterProcess(name, Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"));
    }

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate) return $"--- {_name} stdout:\n{_stdout}--- {_name} stderr:\n{_stderr}";
        }
    }

    /// <summary>Waits until stdout or stderr holds <paramref name="text"/>; fails with the output so far after <paramref name="timeout"/>.</summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (_gate)
        {
            while (!_stdout.ToString().Contains(text) && !_stderr.ToString().Contains(text))
            {
                var left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero) Assert.Fail($"{_name} did not print '{text}' within {timeout}\n{Output}");
                Monitor.Wait(_gate, left);
            }
        }
    }

    /// <summary>Waits for the process to end and returns its exit code; fails with its output after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) Assert.Fail($"{_name} did not finish within {timeout}\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: the program's request to stop cleanly.</summary>
    public void Terminate() => ProcessSignal.Terminate(_process);

    /// <summary>SIGKILL: the process gets no chance to leave the cluster or checkpoint.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            target.AppendLine(line);
            Monitor.PulseAll(_gate);
        }
    }
}
