using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using LatentCycles.Core.Training;
using LatentCycles.Training.Actors;
using LatentCycles.Training.DataPlane;
using LatentCycles.Training.Hosting;
using LatentCycles.Training.Protocol;
using LatentCycles.Training.Serialization;

namespace LatentCycles.Training.Tests.Cluster;

/// <summary>docs/CLUSTER.md, "Data plane": the rounds' bulk bytes on a TCP (or TLS) stream per node, beside the remoting.</summary>
public sealed class DataPlaneTests() : HostedTestKit(new ActorSystemOptions())
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly List<string> _notices = [];
    private readonly TemporaryDirectory _directory = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_round_on_the_data_link_gives_the_reply_the_node_gives_locally(bool tls)
    {
        var config = DataPlaneConfig(tls);
        var node = Sys.ActorOf(NodeAggregator.Props(2));
        await using var worker = WorkerDataPlane.Listen("127.0.0.1", 0, config, Notice);
        worker.Serve(node);
        using var links = new CoordinatorDataLinks(TestActor, config);
        var assignment = Assignment();

        links.Open(node, 2, worker.Port);
        var opened = ExpectMsg<DataLinkOpened>(Timeout);
        Assert.True(links.TrySend(node, assignment));
        var remote = ExpectMsg<NodeStatistics>(Timeout);
        Assert.Equal(node, LastSender);
        node.Tell(assignment, TestActor);
        var local = ExpectMsg<NodeStatistics>(Timeout);

        Assert.Equal(2, opened.Threads);
        Assert.Equal(TrainingMessageSerializer.Encode(local), TrainingMessageSerializer.Encode(remote));
        Assert.Empty(_notices);
    }

    [Fact]
    public async Task A_node_whose_data_plane_goes_away_is_reported_lost()
    {
        var config = DataPlaneConfig(tls: false);
        var node = Sys.ActorOf(NodeAggregator.Props(1));
        var worker = WorkerDataPlane.Listen("127.0.0.1", 0, config, Notice);
        worker.Serve(node);
        using var links = new CoordinatorDataLinks(TestActor, config);
        links.Open(node, 1, worker.Port);
        var opened = ExpectMsg<DataLinkOpened>(Timeout);

        await worker.DisposeAsync();

        var lost = ExpectMsg<DataLinkLost>(Timeout);
        Assert.Equal(node, lost.Node);
        Assert.True(links.IsCurrent(node, lost.Link));
        Assert.Same(opened.Link, lost.Link);
    }

    [Fact]
    public void A_node_that_nothing_listens_for_is_reported_lost_without_opening()
    {
        var config = DataPlaneConfig(tls: false);
        using var links = new CoordinatorDataLinks(TestActor, config);
        var node = Sys.ActorOf(NodeAggregator.Props(1));
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }

        links.Open(node, 1, port);

        Assert.Equal(node, ExpectMsg<DataLinkLost>(Timeout).Node);
        Assert.False(links.IsOpen(node));
    }

    [Fact]
    public async Task A_data_plane_with_TLS_refuses_a_plain_connection()
    {
        var config = DataPlaneConfig(tls: true);
        var node = Sys.ActorOf(NodeAggregator.Props(1));
        await using var worker = WorkerDataPlane.Listen("127.0.0.1", 0, config, Notice);
        worker.Serve(node);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, worker.Port);
        await using var frames = new FrameStream(client.GetStream(), FrameStream.MaximumFrameBytes(config));

        await frames.WriteAsync(Assignment(), CancellationToken.None);

        var answer = await Record.ExceptionAsync(async () => Assert.Null(await frames.ReadAsync(CancellationToken.None)));
        Assert.True(answer is null or IOException or CheckpointFormatException, answer?.ToString());
        AwaitCondition(() => Notices().Any(n => n.StartsWith("dropped the data link from 127.0.0.1", StringComparison.Ordinal)), Timeout);
    }

    [Fact]
    public async Task A_frame_announcing_more_than_the_frame_limit_is_refused_before_reading_it()
    {
        var stream = new MemoryStream();
        stream.Write([0x00, 0x00, 0x00, 0x7F, 2, (byte)'N', (byte)'S']);
        stream.Position = 0;
        await using var frames = new FrameStream(stream, maximumFrameBytes: 1 << 20);

        var error = await Assert.ThrowsAsync<CheckpointFormatException>(() => frames.ReadAsync(CancellationToken.None));

        Assert.Contains("announces 2130706432 bytes", error.Message);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _directory.Dispose();
    }

    private void Notice(string notice)
    {
        lock (_notices) _notices.Add(notice);
    }

    private string[] Notices()
    {
        lock (_notices) return [.. _notices];
    }

    private static RoundStarted Assignment()
    {
        var data = TrainingFixtures.SyntheticData();
        var config = TrainingFixtures.SmallConfig();
        var state = TrainingState.Start(config, data.Train);
        var blocks = Enumerable.Range(0, config.BlockCount)
            .Select(b => new BlockStates(b, state.ChainStates.AsSpan(config.Block(b).FirstChain, config.Block(b).Count).ToArray()));
        return new RoundStarted(0, config, state.Parameters, blocks.ToArray());
    }

    /// <summary>The remoting's frame limit and, with <paramref name="tls"/>, its TLS settings with a fresh self-signed certificate.</summary>
    private Config DataPlaneConfig(bool tls)
    {
        var frame = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.maximum-frame-size = 32000000b");
        if (!tls) return frame;
        var path = Path.Combine(_directory.Path, "node.pfx");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "secret"));
        return ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp {
              enable-ssl = true
              ssl {
                suppress-validation = true
                certificate { path = {{System.Text.Json.JsonSerializer.Serialize(path)}}, password = "secret" }
              }
            }
            """).WithFallback(frame);
    }
}
