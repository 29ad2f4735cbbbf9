using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LatentCycles.Cli.Tests.Cluster;

/// <summary>
/// A cluster over TLS with mutual authentication (cluster-config/tls.conf): certificates from a certificate authority
/// made in the test, trusted by the processes through SSL_CERT_FILE. Nodes holding a certificate of that authority
/// train together to the single-process result; a node with a certificate of another authority is refused.
/// </summary>
[Collection(ClusterRunCollection.Name)]
public sealed class ClusterTlsTests(ClusterRunFixture reference) : IDisposable
{
    private const string Password = "test password";
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
    public void Nodes_with_certificates_of_the_cluster_train_over_TLS_and_a_node_with_a_foreign_certificate_is_refused()
    {
        var trusted = Authority("cluster");
        var foreign = Authority("foreign");
        var cluster = Environment(trusted, NodeCertificate(trusted, "cluster-node"));
        var run = _temporary.Combine("tls");
        var coordinator = Start("coordinator", cluster, ["train", "--out", run, "--min-workers", "1", .. ClusterRunFixture.Settings,
            "--cluster", "--port", $"{_port}", "--threads", "0"]);
        coordinator.WaitForOutput("workers join with", Timeout);

        var intruder = Start("intruder", Environment(trusted, NodeCertificate(foreign, "intruder")), ["node", "--seed", $"127.0.0.1:{_port}", "--threads", "1"]);
        coordinator.WaitForOutput("Certificate chain validation failed", Timeout);
        Start("worker", cluster, ["node", "--seed", $"127.0.0.1:{_port}", "--threads", "1"]);

        Assert.True(coordinator.WaitForExit(Timeout) == 0, coordinator.Output + intruder.Output);
        Assert.Equal(reference.SingleProcessHash, ClusterRunFixture.ParametersHash(run));
        Assert.DoesNotContain("registered", intruder.Output);
    }

    private ClusterProcess Start(string name, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var process = ClusterProcess.Start(name, environment, args);
        _processes.Add(process);
        return process;
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
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, Password));
        var hocon = _temporary.Combine($"{name}-tls.conf");
        File.WriteAllText(hocon, $$"""
            akka.remote.dot-netty.tcp {
              enable-ssl = true
              ssl {
                suppress-validation = false
                require-mutual-authentication = true
                certificate {
                  path = "{{pfx}}"
                  password = "{{Password}}"
                }
              }
            }
            """);
        return new Dictionary<string, string> { ["LATENTCYCLES_HOCON"] = hocon, ["SSL_CERT_FILE"] = authorityFile };
    }
}
