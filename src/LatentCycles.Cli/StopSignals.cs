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

    public StopSignals()
    {
        _onCancelKey = (_, e) =>
        {
            e.Cancel = !_stop.IsCancellationRequested;
            _stop.Cancel();
        };
        Console.CancelKeyPress += _onCancelKey;
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        });
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancelKey;
        _onTerminate.Dispose();
        _stop.Dispose();
    }
}
