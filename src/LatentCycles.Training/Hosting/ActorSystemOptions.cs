using Akka.Configuration;

namespace LatentCycles.Training.Hosting;

/// <summary>The part a process plays in a cluster; its Akka cluster role has the same name, in lower case.</summary>
public enum ClusterRole { Coordinator, Worker }

/// <summary>
/// What one process's actor system is set up with (<see cref="ActorSystemHost"/>): everything that differs between a
/// single-host run, a cluster's coordinator, a worker and a test. The rest is the same for every process and fixed in
/// code.
/// </summary>
public sealed record ActorSystemOptions
{
    /// <summary>Threads of the chain workers' dedicated dispatcher (at least one is made even for a node without workers).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The checkpoint store (journal and snapshots through Akka.Persistence.Sql), or null for a process that persists nothing.</summary>
    public StoreLocation? Store { get; init; }

    /// <summary>Membership of a cluster (remoting and clustering), or null for one process on its own.</summary>
    public ClusterMembership? Cluster { get; init; }

    /// <summary>Akka's own log: a file (a run's run.log, a worker's --log), or null for one line per event on stderr, without stack traces.</summary>
    public string? LogFile { get; init; }

    /// <summary>HOCON applied over everything else: an operator's file (<see cref="OperatorOverrides"/>), or a test's settings.</summary>
    public Config Overrides { get; init; } = Config.Empty;
}

/// <summary>How a process joins a cluster: its role, where it listens (and is reached), and whom it joins.</summary>
public sealed record ClusterMembership(ClusterRole Role, ClusterSettings Settings);

/// <summary>
/// The trainer's own timing settings, read from the actor system's configuration (<c>latentcycles.*</c>) so an operator's
/// HOCON can change them; the defaults are these.
/// </summary>
public static class TrainingTimeouts
{
    public const string RoundTimeoutPath = "latentcycles.round-timeout";
    public const string CheckpointTimeoutPath = "latentcycles.checkpoint-timeout";
    public const string RegistrationIntervalPath = "latentcycles.registration-interval";

    /// <summary>
    /// A node that sends no statistics this long after its blocks went out is dropped and its blocks go to the other nodes
    /// (a lost reply must never hang a round). On one host, with no other node, the run fails.
    /// </summary>
    public static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long a checkpoint write may take before the run fails.</summary>
    public static readonly TimeSpan CheckpointTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often a cluster node (re-)registers with the coordinator: repeats are no-ops, and they let a coordinator that
    /// started, moved or restarted later, or that dropped a node it thought lost, learn every node.
    /// </summary>
    public static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(2);

    internal static Config Defaults => ConfigurationFactory.ParseString($"""
        {RoundTimeoutPath} = {RoundTimeout.TotalSeconds}s
        {CheckpointTimeoutPath} = {CheckpointTimeout.TotalSeconds}s
        {RegistrationIntervalPath} = {RegistrationInterval.TotalSeconds}s
        """);
}

/// <summary>
/// The HOCON file named by <see cref="Variable"/>, applied over every setting of the process's actor system: the
/// operator's way to enable TLS or change timeouts, frame sizes and the failure detector (cluster-config/README.md).
/// </summary>
public static class OperatorOverrides
{
    public const string Variable = "LATENTCYCLES_HOCON";

    /// <summary>The file's settings, or empty when the variable is not set.</summary>
    /// <exception cref="ArgumentException">the file is missing, unreadable or not HOCON (read before anything is written).</exception>
    public static Config Load()
    {
        var path = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(path)) return Config.Empty;
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{Variable} names {path}, which cannot be read ({e.Message})");
        }
        catch (Exception e)
        {
            throw new ArgumentException($"{Variable} names {path}, which is not valid HOCON ({e.Message.ReplaceLineEndings(" ")})");
        }
    }
}
