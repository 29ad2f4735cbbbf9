using Akka.TestKit.Xunit2;
using LatentCycles.Training.Hosting;

namespace LatentCycles.Training.Tests;

/// <summary>A TestKit whose actor system is the program's (<see cref="ActorSystemHost"/>), set up with <c>options</c>.</summary>
public abstract class HostedTestKit : TestKit
{
    private readonly ActorSystemHost _host;

    protected HostedTestKit(ActorSystemOptions options) : this(ActorSystemHost.StartAsync(options).GetAwaiter().GetResult()) { }

    private HostedTestKit(ActorSystemHost host) : base(host.System) => _host = host;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
