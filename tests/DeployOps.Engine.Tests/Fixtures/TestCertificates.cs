using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// Certificates made at test time: a private CA and leaf certificates it signs with whatever validity window and
/// host names a test needs (valid, expiring in 5 days, expired, not yet valid, wrong host name).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly List<X509Certificate2> _made = new();

    public TestCertificates(string caName = "DeployOps Test CA")
    {
        // ECDSA keys: generated in microseconds, where RSA costs seconds on a busy machine.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={caName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = Keep(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-3), DateTimeOffset.UtcNow.AddYears(10)));
    }

    /// <summary>The CA, with its private key.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>A server certificate signed by <see cref="Ca"/> for <paramref name="hostNames"/> (DNS names or IPs).</summary>
    public X509Certificate2 Leaf(DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] hostNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in hostNames)
        {
            if (System.Net.IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.1") }, false));
        return Sign(request, key, notBefore, notAfter);
    }

    /// <summary>A client certificate (clientAuth) signed by <see cref="Ca"/>, as a daemon started with --tlsverify requires.</summary>
    public X509Certificate2 Client(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new("1.3.6.1.5.5.7.3.2") }, false));
        return Sign(request, key, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365));
    }

    private X509Certificate2 Sign(CertificateRequest request, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var signed = request.Create(Ca, notBefore, notAfter, serial);
        // Round-trip through PKCS#12 so SslStream on Linux gets a certificate whose key it can use.
        using var withKey = signed.CopyWithPrivateKey(key);
        return Keep(X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    /// <summary>Writes the private key of <paramref name="certificate"/> as PKCS#8 PEM into <paramref name="path"/>.</summary>
    public static string WriteKeyPem(string path, X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"{certificate.Subject} has no ECDSA private key");
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    public X509Certificate2 Valid(params string[] hostNames) =>
        Leaf(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365), Names(hostNames));

    public X509Certificate2 ExpiringInDays(double days, params string[] hostNames) =>
        Leaf(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(days), Names(hostNames));

    public X509Certificate2 Expired(params string[] hostNames) =>
        Leaf(DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-3), Names(hostNames));

    public X509Certificate2 NotYetValid(params string[] hostNames) =>
        Leaf(DateTimeOffset.UtcNow.AddDays(10), DateTimeOffset.UtcNow.AddDays(400), Names(hostNames));

    /// <summary>Writes certificates as PEM into <paramref name="path"/> (leaf first, then any chain).</summary>
    public static string WritePem(string path, params X509Certificate2[] certificates)
    {
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    private static string[] Names(string[] hostNames) => hostNames.Length == 0 ? new[] { "localhost", "127.0.0.1" } : hostNames;

    private X509Certificate2 Keep(X509Certificate2 certificate)
    {
        _made.Add(certificate);
        return certificate;
    }

    public void Dispose()
    {
        foreach (var c in _made) c.Dispose();
    }
}
