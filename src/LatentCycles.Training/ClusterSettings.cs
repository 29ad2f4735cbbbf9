using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Akka.Actor;

namespace LatentCycles.Training;

/// <summary>Where a cluster process listens and whom it joins (not what the run computes).</summary>
public sealed record ClusterSettings
{
    /// <summary>The coordinator's port when --port is not given.</summary>
    public const int DefaultCoordinatorPort = 4053;

    /// <summary>The actor system's name: every process of a cluster must use the same.</summary>
    internal const string SystemName = "latentcycles";

    /// <summary>
    /// The address the remoting binds to and advertises: loopback unless the other machines need another. An address
    /// that binds every interface (0.0.0.0, ::) is advertised as <see cref="Advertised"/> gives it.
    /// </summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>The port to listen on; 0 picks a free one (workers).</summary>
    public int Port { get; init; }

    /// <summary>The port of a worker's data plane (docs/CLUSTER.md, "Data plane"); 0 picks a free one.</summary>
    public int DataPort { get; init; }

    /// <summary>HOST:PORT of the coordinator (seed) nodes a worker joins.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>Worker processes that must have registered before the coordinator runs the first round.</summary>
    public int MinWorkers { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message for the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Hostname)) throw new ArgumentException("--hostname must not be empty");
        _ = Advertised(Hostname);
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be between 0 and 65535, got {Port}");
        if (DataPort is < 0 or > 65535) throw new ArgumentException($"--data-port must be between 0 and 65535, got {DataPort}");
        if (MinWorkers < 0) throw new ArgumentException($"--min-workers must not be negative, got {MinWorkers}");
        _ = SeedAddresses;
    }

    /// <summary>
    /// Refuses a coordinator port where something already listens: the remoting binds with address reuse, which on Linux
    /// lets a second process share the port, so a second coordinator would silently split the workers.
    /// </summary>
    /// <exception cref="ArgumentException">the port answers.</exception>
    public async Task RequirePortFreeAsync()
    {
        if (Port == 0) return;
        using var probe = new System.Net.Sockets.TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await probe.ConnectAsync(Hostname, Port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return;
        }
        throw new ArgumentException($"{Hostname}:{Port} is already in use (another coordinator?); choose another --port");
    }

    /// <summary>
    /// The address other processes reach a process bound to <paramref name="hostname"/> at: the hostname itself, or for
    /// one that binds every interface (0.0.0.0, ::) this machine's first non-loopback address of that family — a worker
    /// told to reach 0.0.0.0 would reach itself.
    /// </summary>
    /// <exception cref="ArgumentException">the hostname binds every interface and the machine has no other address.</exception>
    public static string Advertised(string hostname)
    {
        if (!IPAddress.TryParse(hostname, out var bound) || !(bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any))) return hostname;
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(a => a.Address))
            .FirstOrDefault(a => a.AddressFamily == bound.AddressFamily && !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal);
        return address?.ToString() ?? throw new ArgumentException(
            $"--hostname {hostname} listens on every interface, but this machine has no address besides loopback to give the workers; give --hostname the address they reach");
    }

    internal Address[] SeedAddresses => Seeds.Select(ParseSeed).ToArray();

    private static Address ParseSeed(string seed)
    {
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"--seed must be HOST:PORT (e.g. 10.0.0.5:{DefaultCoordinatorPort}), got '{seed}'");
        return new Address("akka.tcp", SystemName, seed[..colon], port);
    }
}
