using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LatentCycles.Cli.Tests.Cluster;

/// <summary>
/// Training on several machines, end to end on loopback: a coordinator process and worker processes give the parameters of a single-process
/// run bit for bit, whoever joins, dies or restarts (docs/ARCHITECTURE.md, "Node loss", "Node join", "Checkpoints"), also over
/// TLS with mutual authentication (cluster-config/tls.conf), where a node of another certificate authority is refused.
/// </summary>
[Collection(ClusterRunCollection.Name)]
public sealed class ClusterTrainingTests(ClusterRunFixture reference) : IDisposable
{
    private const string TlsPassword = "test password";
    private static readonly TimeSpan Timeout = ClusterRunFixture.Timeout;

    private readonly TemporaryDirectory _temporary = new();
    private readonly List<ClusterProcess> _processes = [];
    private readonly int _port = ClusterProcess.FreePort();

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        _temporary.Dispose();
    }

    [Fact]
    public void A_coordinator_and_two_workers_give_the_parameters_of_a_single_process_run()
    {
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "2", .. ClusterRunFixture.Settings]);
        Worker("worker-1");
        Worker("worker-2");

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output);

        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
        Assert.Contains(2, ClusterRunFixture.NodesPerRound(run));
    }

    [Fact]
    public void A_worker_killed_mid_run_loses_its_blocks_to_the_other_and_the_result_is_unchanged()
    {
        // Open-ended, so the kill always falls mid-run; stopped once rounds after the loss are checkpointed.
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "2", .. ClusterRunFixture.SettingsWithRounds(CliRunner.OpenEndedRounds)]);
        var doomed = Worker("worker-1");
        Worker("worker-2");
        CliRunner.AwaitCheckpoint(run, coordinator, 8, Timeout);

        doomed.Kill();
        coordinator.WaitForOutput("the data link to node", Timeout);
        CliRunner.AwaitCheckpoint(run, coordinator, CliRunner.LatestCheckpointRound(run) + 8, Timeout);

        coordinator.Terminate();
        Assert.True(coordinator.WaitForExit(Timeout) == TrainingSession.StoppedExitCode, coordinator.Output);
        var stoppedAt = CliRunner.LatestCheckpointRound(run);
        Assert.Equal(ClusterRunFixture.SingleProcessRunHash(_temporary.Combine("single"), stoppedAt), ClusterRunFixture.ParametersHash(run, stoppedAt));
        Assert.Equal(1, ClusterRunFixture.NodesPerRound(run)[^1]);
    }

    [Fact]
    public void A_worker_that_joins_mid_run_takes_blocks_and_the_result_is_unchanged()
    {
        // Open-ended for the reason Six_workers_two_killed_and_one_joining_… gives: an 80-round run could end before the
        // late worker's process has started and joined.
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "1", .. ClusterRunFixture.SettingsWithRounds(CliRunner.OpenEndedRounds)]);
        Worker("worker-1");
        CliRunner.AwaitCheckpoint(run, coordinator, 4, Timeout);

        var late = Worker("worker-2");
        late.WaitForOutput("running blocks from round", Timeout);
        CliRunner.AwaitCheckpoint(run, coordinator, JoinedAt(late) + 4, Timeout);

        coordinator.Terminate();
        Assert.True(coordinator.WaitForExit(Timeout) == TrainingSession.StoppedExitCode, coordinator.Output);
        var stoppedAt = CliRunner.LatestCheckpointRound(run);
        var nodes = ClusterRunFixture.NodesPerRound(run);
        Assert.Equal(1, nodes[0]);
        Assert.Equal(2, nodes[^1]);
        Assert.Equal(ClusterRunFixture.SingleProcessRunHash(_temporary.Combine("single"), stoppedAt), ClusterRunFixture.ParametersHash(run, stoppedAt));
    }

    [Fact]
    public void A_coordinator_killed_mid_run_and_resumed_continues_from_the_store_with_the_workers_to_the_same_result()
    {
        var run = _temporary.Combine("cluster");
        var first = Coordinator(["train", "--out", run, "--min-workers", "2", .. ClusterRunFixture.Settings]);
        var workers = new[] { Worker("worker-1"), Worker("worker-2") };
        first.WaitForOutput("round 12/", Timeout);

        first.Kill();
        var resumed = Coordinator(["resume", run, "--min-workers", "2", "--checkpoint-every", "4", "--evaluate-every", "0"]);

        Assert.True(resumed.WaitForExit(Timeout) == 0, resumed.Output);
        Assert.Contains("resuming", resumed.Output);
        Assert.All(workers, w => Assert.Contains("joining again", w.Output));
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
    }

    [Fact]
    public void A_coordinator_sent_SIGTERM_stops_like_one_host_with_a_stop_checkpoint_and_resumes_to_the_same_result()
    {
        var run = _temporary.Combine("cluster");
        var first = Coordinator(["train", "--out", run, "--min-workers", "1", .. ClusterRunFixture.Settings]);
        Worker("worker-1");
        first.WaitForOutput("round 12/", Timeout);

        first.Terminate();

        Assert.True(first.WaitForExit(Timeout) == TrainingSession.StoppedExitCode, first.Output);
        var stoppedAt = CliRunner.LatestCheckpointRound(run);
        Assert.Contains($"stopped at round {stoppedAt} of", first.Output);
        var resumed = Coordinator(["resume", run, "--min-workers", "1", "--checkpoint-every", "4", "--evaluate-every", "0"]);
        Assert.True(resumed.WaitForExit(Timeout) == 0, resumed.Output);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
    }

    [Fact]
    public void Six_workers_two_killed_and_one_joining_give_the_parameters_of_a_single_process_run()
    {
        // The run has no end in sight, so it cannot finish before the late worker has joined (80 rounds can pass while a
        // new process starts on a loaded machine); it is stopped once that worker's rounds are checkpointed, and compared
        // with a single-process run of as many rounds.
        var run = _temporary.Combine("cluster");
        var coordinator = Coordinator(["train", "--out", run, "--min-workers", "6", .. ClusterRunFixture.SettingsWithRounds(CliRunner.OpenEndedRounds)]);
        var workers = Enumerable.Range(1, 6).Select(j => Worker($"worker-{j}")).ToArray();
        CliRunner.AwaitCheckpoint(run, coordinator, 8, Timeout);

        workers[0].Kill();
        workers[1].Kill();
        var late = Worker("worker-7");
        late.WaitForOutput("running blocks from round", Timeout);
        CliRunner.AwaitCheckpoint(run, coordinator, JoinedAt(late) + 4, Timeout);

        coordinator.Terminate();
        Assert.True(coordinator.WaitForExit(Timeout) == TrainingSession.StoppedExitCode, coordinator.Output);
        var stoppedAt = CliRunner.LatestCheckpointRound(run);
        var nodes = ClusterRunFixture.NodesPerRound(run);
        Assert.Equal(6, nodes[0]);
        Assert.Equal(5, nodes[^1]);
        Assert.Equal(ClusterRunFixture.SingleProcessRunHash(_temporary.Combine("single"), stoppedAt), ClusterRunFixture.ParametersHash(run, stoppedAt));
    }

    /// <summary>The round from which a worker that printed "running blocks from round R" has served blocks.</summary>
    private static int JoinedAt(ClusterProcess worker) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(worker.Output, @"running blocks from round (\d+)").Groups[1].Value);

    [Fact]
    public void Nodes_with_certificates_of_the_cluster_train_over_TLS_and_a_node_with_a_foreign_certificate_is_refused()
    {
        var trusted = Authority("cluster");
        var foreign = Authority("foreign");
        var cluster = Environment(trusted, NodeCertificate(trusted, "cluster-node"));
        var run = _temporary.Combine("tls");
        var coordinator = Track(ClusterProcess.Start("coordinator", cluster, ["train", "--out", run, "--min-workers", "1", .. ClusterRunFixture.Settings,
            "--cluster", "--port", $"{_port}", "--threads", "0"]));
        coordinator.WaitForOutput("workers join with", Timeout);

        var intruder = Track(ClusterProcess.Start("intruder", Environment(trusted, NodeCertificate(foreign, "intruder")), "node", "--seed", $"127.0.0.1:{_port}", "--threads", "1"));
        // The refusal is Akka's, so it is in the coordinator's run.log (the console gets none of Akka's log).
        Assert.True(SpinWait.SpinUntil(() => RunLogContains(run, "Certificate chain validation failed"), Timeout),
            "the coordinator's run.log never showed the foreign certificate refused");
        Track(ClusterProcess.Start("worker", cluster, "node", "--seed", $"127.0.0.1:{_port}", "--threads", "1"));

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output + intruder.Output);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
        Assert.DoesNotContain("registered", intruder.Output);
    }

    private static bool RunLogContains(string run, string text)
    {
        var log = Path.Combine(run, "run.log");
        if (!File.Exists(log)) return false;
        using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        return reader.ReadToEnd().Contains(text, StringComparison.Ordinal);
    }

    /// <summary>A self-signed certificate authority, with its private key.</summary>
    private static X509Certificate2 Authority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=LatentCycles test authority {name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A node's certificate for 127.0.0.1 (server and client authentication) signed by <paramref name="authority"/>, with its key.</summary>
    private static X509Certificate2 NodeCertificate(X509Certificate2 authority, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12),
            RandomNumberGenerator.GetBytes(16));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// The environment of a process that trusts <paramref name="authority"/> (OpenSSL reads SSL_CERT_FILE for its trusted
    /// roots) and presents <paramref name="certificate"/> through cluster-config/tls.conf's settings.
    /// </summary>
    private Dictionary<string, string> Environment(X509Certificate2 authority, X509Certificate2 certificate)
    {
        var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
        var authorityFile = _temporary.Combine($"{name}-trusts.pem");
        File.WriteAllText(authorityFile, authority.ExportCertificatePem());
        var pfx = _temporary.Combine($"{name}.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, TlsPassword));
        var hocon = _temporary.Combine($"{name}-tls.conf");
        File.WriteAllText(hocon, $$"""
            akka.remote.dot-netty.tcp {
              enable-ssl = true
              ssl {
                suppress-validation = false
                require-mutual-authentication = true
                certificate {
                  path = "{{pfx}}"
                  password = "{{TlsPassword}}"
                }
              }
            }
            """);
        return new Dictionary<string, string> { ["LATENTCYCLES_HOCON"] = hocon, ["SSL_CERT_FILE"] = authorityFile };
    }
    private ClusterProcess Coordinator(string[] args) =>
        Track(ClusterProcess.Start("coordinator", [.. args, "--cluster", "--port", $"{_port}", "--threads", "0"]));

    private ClusterProcess Worker(string name) =>
        Track(ClusterProcess.Start(name, "node", "--seed", $"127.0.0.1:{_port}", "--threads", "1"));

    private ClusterProcess Track(ClusterProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
