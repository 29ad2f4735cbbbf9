using System.Runtime.InteropServices;

namespace LatentCycles.Cli;

/// <summary>
/// Ctrl-C and SIGTERM as a request to stop cleanly (<see cref="Token"/> is cancelled); a second Ctrl-C ends the
/// process at once. The one signal handler of the program, shared by the long-running commands (<c>train</c>, <c>resume</c>,
/// <c>node</c>, <c>experiment</c>); the actor systems' hosts leave signals to it (docs/ARCHITECTURE.md, "Stopping").
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConsoleCancelEventHandler _onCancelKey;
    private readonly PosixSignalRegistration _onTerminate;

    /// <summary>Signals arrive on their own threads, also while or after this is disposed: the flag and the cancellation share this lock.</summary>
    private readonly Lock _gate = new();
    private bool _disposed;

    public StopSignals()
    {
        _onCancelKey = (_, e) => e.Cancel = RequestStop() == StopRequest.First;
        Console.CancelKeyPress += _onCancelKey;
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = RequestStop() != StopRequest.Unheard);
    }

    public CancellationToken Token => _stop.Token;

    internal enum StopRequest { First, Repeated, Unheard }

    /// <summary>
    /// What a signal does: cancels <see cref="Token"/> the first time. Once disposed nothing listens, and the signal's
    /// default (ending the process) applies.
    /// </summary>
    internal StopRequest RequestStop()
    {
        lock (_gate)
        {
            if (_disposed) return StopRequest.Unheard;
            if (_stop.IsCancellationRequested) return StopRequest.Repeated;
            _stop.Cancel();
            return StopRequest.First;
        }
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancelKey;
        _onTerminate.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _stop.Dispose();
        }
    }
}
