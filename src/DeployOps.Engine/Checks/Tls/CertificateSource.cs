using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace DeployOps.Engine.Checks.Tls;

/// <summary>Where a certificate comes from: a PEM (or DER) file, or the handshake of a live TLS endpoint.</summary>
internal sealed class CertificateSource
{
    private CertificateSource(string? file, string? host, int port)
    {
        File = file;
        Host = host;
        Port = port;
    }

    public string? File { get; }
    public string? Host { get; }
    public int Port { get; }
    public string Display => File ?? $"{Host}:{Port}";

    public static CertificateSource FromFile(string path) => new(path, null, 0);
    public static CertificateSource FromHost(string host, int port) => new(null, host, port);

    /// <summary>The leaf certificate and any further certificates offered with it (intermediates).</summary>
    public Task<(X509Certificate2 Leaf, X509Certificate2Collection Others)> LoadAsync(string? serverName, CancellationToken ct) =>
        File is not null ? Task.FromResult(LoadFile(File)) : FetchAsync(Host!, Port, serverName ?? Host!, ct);

    private static (X509Certificate2, X509Certificate2Collection) LoadFile(string path)
    {
        if (!System.IO.File.Exists(path)) throw new CertificateUnavailableException($"certificate file not found: {path}");
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new CertificateUnavailableException($"cannot read certificates from {path}: {ex.Message}");
        }
        if (all.Count == 0)
        {
            try
            {
                all.Add(new X509Certificate2(System.IO.File.ReadAllBytes(path)));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                throw new CertificateUnavailableException($"no certificate found in {path} (expected PEM '-----BEGIN CERTIFICATE-----' or DER)");
            }
        }
        var others = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++) others.Add(all[i]);
        return (all[0], others);
    }

    private static async Task<(X509Certificate2, X509Certificate2Collection)> FetchAsync(string host, int port, string serverName, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, ct).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new CertificateUnavailableException($"cannot connect to {host}:{port}: {ex.SocketErrorCode} ({ex.Message})");
        }

        X509Certificate2? leaf = null;
        var others = new X509Certificate2Collection();
        // Accept anything during the handshake: the check judges the certificate itself and explains why.
        bool Capture(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (certificate is not null) leaf = new X509Certificate2(certificate);
            if (chain is not null)
            {
                foreach (var extra in chain.ChainPolicy.ExtraStore) others.Add(new X509Certificate2(extra));
            }
            return true;
        }

        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = Capture,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
        {
            if (leaf is null) throw new CertificateUnavailableException($"TLS handshake with {host}:{port} failed: {ex.Message}");
        }
        if (leaf is null) throw new CertificateUnavailableException($"{host}:{port} presented no certificate");
        return (leaf, others);
    }
}

/// <summary>The certificate could not be obtained at all (no file, nothing listening, not TLS).</summary>
internal sealed class CertificateUnavailableException : Exception
{
    public CertificateUnavailableException(string message) : base(message) { }
}
