using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;

namespace LatentCycles.Training.DataPlane;

/// <summary>
/// TLS for the data plane from the cluster's own remoting settings (<c>akka.remote.dot-netty.tcp.enable-ssl</c> and
/// <c>ssl { certificate { … }, suppress-validation }</c>, cluster-config/tls.conf): the same certificate, and the same
/// trust, so a cluster configured for TLS sends its rounds' bytes encrypted too. Both ends present the certificate.
/// </summary>
internal sealed class DataPlaneSecurity
{
    private const string RemotingPath = "akka.remote.dot-netty.tcp";

    private readonly X509Certificate2 _certificate;
    private readonly bool _suppressValidation;

    private DataPlaneSecurity(X509Certificate2 certificate, bool suppressValidation)
    {
        _certificate = certificate;
        _suppressValidation = suppressValidation;
    }

    /// <summary>The TLS settings of <paramref name="config"/>, or null when the remoting runs without TLS.</summary>
    /// <exception cref="ArgumentException">TLS is enabled but the certificate cannot be loaded.</exception>
    public static DataPlaneSecurity? FromConfig(Config config)
    {
        if (!config.GetBoolean($"{RemotingPath}.enable-ssl", false)) return null;
        var ssl = config.GetConfig($"{RemotingPath}.ssl");
        var certificate = ssl.GetConfig("certificate");
        try
        {
            return new DataPlaneSecurity(Load(certificate), ssl.GetBoolean("suppress-validation", false));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot load the TLS certificate of {RemotingPath}.ssl: {e.Message}", e);
        }
    }

    /// <summary>The accepting end (a worker's data plane): authenticates, and requires the coordinator's certificate.</summary>
    public async Task<Stream> AcceptAsync(Stream connection, CancellationToken cancel)
    {
        var tls = new SslStream(connection, leaveInnerStreamOpen: false, Validate);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = _certificate,
            ClientCertificateRequired = true,
        }, cancel).ConfigureAwait(false);
        return tls;
    }

    /// <summary>The connecting end (the coordinator), to the node at <paramref name="host"/>.</summary>
    public async Task<Stream> ConnectAsync(Stream connection, string host, CancellationToken cancel)
    {
        var tls = new SslStream(connection, leaveInnerStreamOpen: false, Validate);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ClientCertificates = [_certificate],
        }, cancel).ConfigureAwait(false);
        return tls;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        _suppressValidation ? certificate is not null : errors == SslPolicyErrors.None;

    private static X509Certificate2 Load(Config certificate)
    {
        if (!certificate.GetBoolean("use-thumbprint-over-file", false))
            return X509CertificateLoader.LoadPkcs12FromFile(certificate.GetString("path"), certificate.GetString("password"));
        var thumbprint = certificate.GetString("thumbprint");
        var location = certificate.GetString("store-location", "current-user") == "local-machine" ? System.Security.Cryptography.X509Certificates.StoreLocation.LocalMachine
            : System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser;
        using var store = new X509Store(certificate.GetString("store-name", "My"), location);
        store.Open(OpenFlags.ReadOnly);
        var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
        return found.Count > 0 ? found[0] : throw new IOException($"no certificate with thumbprint {thumbprint} in the {location} store {store.Name}");
    }
}
