using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.DataPlane;

/// <summary>The link to <paramref name="Node"/> is open: take the node into the rounds.</summary>
internal sealed record DataLinkOpened(IActorRef Node, int Threads, object Link);

/// <summary>The link to <paramref name="Node"/> could not be opened, or broke: the node is lost.</summary>
internal sealed record DataLinkLost(IActorRef Node, object Link, string Reason);

/// <summary>
/// The coordinator's ends of the data plane (docs/CLUSTER.md, "Data plane"): one TCP (or TLS) connection per remote node
/// that announced a data port in its <see cref="RegisterNode"/>, opened to the host of the node's actor address. The
/// node's <see cref="RoundStarted"/> go out on it, and its <see cref="NodeStatistics"/> come back to the coordinator as
/// if the node had sent them. Opening ends with <see cref="DataLinkOpened"/>, a failed or broken link with
/// <see cref="DataLinkLost"/>, both told to the coordinator; used from the coordinator's thread only.
/// </summary>
internal sealed class CoordinatorDataLinks(IActorRef coordinator, Config config) : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly DataPlaneSecurity? _security = DataPlaneSecurity.FromConfig(config);
    private readonly long _maximumFrameBytes = FrameStream.MaximumFrameBytes(config);
    private readonly Dictionary<IActorRef, Link> _links = new();

    /// <summary>Whether the node's link is open, so messages to it go on the data plane.</summary>
    public bool IsOpen(IActorRef node) => _links.TryGetValue(node, out var link) && link.Frames is not null;

    /// <summary>Whether <paramref name="link"/> (from a <see cref="DataLinkOpened"/> or <see cref="DataLinkLost"/>) is the node's current one.</summary>
    public bool IsCurrent(IActorRef node, object link) => _links.TryGetValue(node, out var current) && ReferenceEquals(current, link);

    /// <summary>Starts connecting to the node's data plane, unless a link to it is open or opening.</summary>
    public void Open(IActorRef node, int threads, int port)
    {
        if (_links.ContainsKey(node)) return;
        var link = new Link(node, coordinator);
        _links[node] = link;
        link.Start(node.Path.Address.Host ?? "localhost", port, threads, _security, _maximumFrameBytes);
    }

    /// <summary>Sends <paramref name="message"/> on the node's link; false when it has none open.</summary>
    public bool TrySend(IActorRef node, object message)
    {
        if (!_links.TryGetValue(node, out var link) || link.Frames is null) return false;
        link.Send(message);
        return true;
    }

    /// <summary>Closes the node's link, if any; nothing more is heard from it.</summary>
    public void Close(IActorRef node)
    {
        if (_links.Remove(node, out var link)) link.Close();
    }

    public void Dispose()
    {
        foreach (var link in _links.Values) link.Close();
        _links.Clear();
    }

    private sealed class Link(IActorRef node, IActorRef coordinator)
    {
        private readonly CancellationTokenSource _close = new();
        private volatile FrameStream? _frames;

        public FrameStream? Frames => _frames;

        public void Start(string host, int port, int threads, DataPlaneSecurity? security, long maximumFrameBytes) =>
            _ = RunAsync(host, port, threads, security, maximumFrameBytes);

        public void Send(object message)
        {
            _frames!.WriteAsync(message, _close.Token).ContinueWith(
                write => Report(write.Exception?.GetBaseException().Message ?? "the write was cancelled"),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
        }

        public void Close() => _close.Cancel();

        private async Task RunAsync(string host, int port, int threads, DataPlaneSecurity? security, long maximumFrameBytes)
        {
            var cancel = _close.Token;
            string reason;
            try
            {
                using var client = new TcpClient { NoDelay = true };
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
                {
                    timeout.CancelAfter(ConnectTimeout);
                    try
                    {
                        await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                    {
                        throw new TimeoutException($"no connection to {host}:{port} within {ConnectTimeout.TotalSeconds:F0} s");
                    }
                }
                Stream stream = client.GetStream();
                if (security is not null) stream = await security.ConnectAsync(stream, host, cancel).ConfigureAwait(false);
                await using var frames = new FrameStream(stream, maximumFrameBytes);
                _frames = frames;
                coordinator.Tell(new DataLinkOpened(node, threads, this));
                while (await frames.ReadAsync(cancel).ConfigureAwait(false) is { } message)
                {
                    if (message is not NodeStatistics) throw new CheckpointFormatException($"a data link carried {message.GetType().Name} where only NodeStatistics belongs");
                    coordinator.Tell(message, node);
                }
                reason = "the node closed it";
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or CheckpointFormatException
                                          or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                reason = e.Message;
            }
            Report(reason);
        }

        private void Report(string reason)
        {
            if (!_close.IsCancellationRequested) coordinator.Tell(new DataLinkLost(node, this, reason));
        }
    }
}
