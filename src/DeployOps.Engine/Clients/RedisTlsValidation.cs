using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using StackExchange.Redis;

namespace DeployOps.Engine.Clients;

/// <summary>
/// Verifies the Redis server's certificate: against the system roots, or only against <c>caFile</c> when given, and
/// always for the host name in the endpoint. Remembers why it refused, because the client library reports a refused
/// handshake as a bare connection failure.
/// </summary>
internal sealed class RedisTlsValidation
{
    private readonly RedisTlsSettings _settings;
    private readonly X509Certificate2Collection _roots = new();

    public RedisTlsValidation(RedisTlsSettings settings)
    {
        _settings = settings;
        if (settings.CaFile is not { } caFile) return;
        try { _roots.ImportFromPemFile(caFile); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new DeployOpsException(ErrorIds.ConfigInvalid, ErrorKind.InvalidData, $"redis.caFile {caFile} cannot be read: {ex.Message}", caFile, ex);
        }
        if (_roots.Count == 0)
            throw new DeployOpsException(ErrorIds.ConfigInvalid, ErrorKind.InvalidData, $"redis.caFile {caFile} holds no PEM certificate", caFile);
    }

    /// <summary>Why the last handshake was refused, in admin terms; null when none was.</summary>
    public string? Failure { get; private set; }

    public void Apply(ConfigurationOptions options)
    {
        options.Ssl = true;
        options.CertificateValidation += Validate;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_settings.Insecure) return true;
        if (certificate is null) return Refuse("the server sent no certificate");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return Refuse("the server certificate is not issued for this host name (check the endpoint's host)");
        if (_settings.CaFile is null)
            return errors == SslPolicyErrors.None
                || Refuse($"the server certificate is not trusted by the system ({Describe(chain)}); set redis.caFile to the CA that signed it");
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf)
            || Refuse($"the server certificate is not signed by a CA in {_settings.CaFile} ({Describe(custom)})");
    }

    private bool Refuse(string why)
    {
        Failure = "TLS handshake refused: " + why;
        return false;
    }

    private static string Describe(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain"
            : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
}
