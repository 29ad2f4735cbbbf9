using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Akka.Actor;
using Akka.Configuration;
using LatentCycles.Core.Training;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.DataPlane;

/// <summary>
/// A worker's end of the data plane (docs/CLUSTER.md, "Data plane"): listens on the node's address, and serves each
/// coordinator that connects one assignment at a time: a <see cref="RoundStarted"/> frame goes to the node aggregator,
/// whose <see cref="NodeStatistics"/> goes back as the reply frame. The aggregator's reusable statistics are encoded
/// before the next assignment is read, so they are never cleared while still being written.
/// </summary>
internal sealed class WorkerDataPlane : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly DataPlaneSecurity? _security;
    private readonly long _maximumFrameBytes;
    private readonly Action<string> _onNotice;
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;
    private RoundProfile? _profile;

    private WorkerDataPlane(TcpListener listener, DataPlaneSecurity? security, long maximumFrameBytes, Action<string> onNotice)
    {
        _listener = listener;
        _security = security;
        _maximumFrameBytes = maximumFrameBytes;
        _onNotice = onNotice;
    }

    /// <summary>The port the data plane listens on (the one given, or a free one for 0).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Binds <paramref name="hostname"/>:<paramref name="port"/> with the TLS and frame settings of <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">the address cannot be bound (port in use, unknown host) or the TLS certificate cannot be loaded.</exception>
    public static WorkerDataPlane Listen(string hostname, int port, Config config, Action<string> onNotice)
    {
        var security = DataPlaneSecurity.FromConfig(config);
        TcpListener? listener = null;
        try
        {
            listener = new TcpListener(Resolve(hostname), port);
            // A worker that joins again rebinds its fixed --data-port while connections of its last incarnation linger.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
        }
        catch (SocketException e)
        {
            listener?.Dispose();
            throw new ArgumentException($"the data plane cannot listen on {hostname}:{port}: {e.Message}", e);
        }
        return new WorkerDataPlane(listener, security, FrameStream.MaximumFrameBytes(config), onNotice);
    }

    /// <summary>Starts accepting coordinators; their assignments go to <paramref name="aggregator"/>.</summary>
    public void Serve(IActorRef aggregator, RoundProfile? profile = null)
    {
        _profile = profile;
        _accepting = AcceptAsync(aggregator, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync(IActorRef aggregator, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(stop).ConfigureAwait(false);
                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(ServeAsync(socket, aggregator, stop));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener was stopped: this incarnation of the node is over.
        }
        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task ServeAsync(Socket socket, IActorRef aggregator, CancellationToken stop)
    {
        socket.NoDelay = true;
        var peer = socket.RemoteEndPoint?.ToString() ?? "?";
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (_security is not null) stream = await _security.AcceptAsync(stream, stop).ConfigureAwait(false);
            await using var frames = new FrameStream(stream, _maximumFrameBytes);
            while (await frames.ReadAsync(stop).ConfigureAwait(false) is { } message)
            {
                if (message is not RoundStarted assignment)
                    throw new CheckpointFormatException($"a data link carried {message.GetType().Name} where only RoundStarted belongs");
                var received = RoundProfile.Now;
                _profile?.RoundStarted(received);
                var reply = await aggregator.Ask<NodeStatistics>(assignment, stop).ConfigureAwait(false);
                var replied = RoundProfile.Now;
                await frames.WriteAsync(reply, stop).ConfigureAwait(false);
                if (_profile is { } profile) profile.RoundEnded(profile.Lap(RoundPhase.Reply, replied));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The coordinator closed the link (it lost this node, or ended) or this node is stopping; it reconnects when it wants the node.
        }
        catch (Exception e) when (e is CheckpointFormatException or AuthenticationException)
        {
            _onNotice($"dropped the data link from {peer}: {e.Message}");
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IPAddress Resolve(string hostname)
    {
        if (IPAddress.TryParse(hostname, out var address)) return address;
        var addresses = Dns.GetHostAddresses(hostname);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }
}
