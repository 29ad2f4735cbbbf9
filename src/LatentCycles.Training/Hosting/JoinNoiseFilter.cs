using System.Text.RegularExpressions;
using Akka.Event;

namespace LatentCycles.Training;

/// <summary>
/// Drops the remoting's and the cluster's warnings while a worker waits for, or loses, its coordinator (refused
/// associations, gated addresses, seed-node join retries): expected there, they would repeat every few seconds with
/// addresses and exception text. The worker says instead, in one line per retry, that it is still waiting
/// (<see cref="WorkerNode"/>).
/// </summary>
internal static partial class JoinNoiseFilter
{
    public static LogFilterSetup Setup { get; } = new LogFilterBuilder().ExcludeMessageRegex(Noise()).Build();

    [GeneratedRegex(@"AssociationError|Tried to associate with unreachable remote address|Couldn't join seed nodes after|Association with remote system .* has failed|Association to \[.*\] having UID \[.*\] has been gated", RegexOptions.CultureInvariant)]
    private static partial Regex Noise();
}
