using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Docker;

/// <summary>
/// tcp:// with TLS client certificates: a loopback TLS terminator (its own CA, a server certificate for 127.0.0.1, a
/// required client certificate) relays to the test daemon's socket, as dockerd --tlsverify would answer. The client
/// verifies the server against the configured CA, presents its certificate, and refuses a server signed by another CA.
/// (Not yet: the same against a dockerd listening inside a network namespace.)
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class DockerTlsEndpointTests : IDisposable
{
    private readonly DockerDaemonFixture _daemon;
    private readonly string _dir = ExternalProcess.TempDirectory("docker-tls");

    public DockerTlsEndpointTests(DockerDaemonFixture daemon) => _daemon = daemon;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Verifies_the_daemon_against_the_configured_CA_presents_the_client_certificate_and_refuses_another_CA()
    {
        using var ca = NewCa("dops test CA");
        using var otherCa = NewCa("dops other CA");
        using var server = Issue(ca, "CN=127.0.0.1", server: true);
        using var client = Issue(ca, "CN=deployops", server: false);
        var caPem = Write("ca.pem", ca.ExportCertificatePem());
        var otherPem = Write("other.pem", otherCa.ExportCertificatePem());
        var certPem = Write("cert.pem", client.ExportCertificatePem());
        var keyPem = Write("key.pem", client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var clientSeen = new List<string>();
        var serving = ServeAsync(listener, server, ca, clientSeen, stop.Token);
        var host = $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        try
        {
            using (var docker = DockerClient.Create(host, tls: new DockerTlsOptions(caPem, certPem, keyPem)))
            {
                var version = await docker.VersionAsync(CancellationToken.None);
                Assert.Equal("1.41", version.APIVersion);
                Assert.NotNull(await docker.TryInspectImageAsync(DockerDaemonFixture.TestImage("1"), CancellationToken.None));
            }
            lock (clientSeen) Assert.Contains("CN=deployops", clientSeen);

            using (var wrong = DockerClient.Create(host, tls: new DockerTlsOptions(otherPem, certPem, keyPem)))
            {
                var ex = await Assert.ThrowsAsync<DeployOpsException>(() => wrong.PingAsync(CancellationToken.None));
                Assert.Equal(ErrorIds.DockerUnreachable, ex.ErrorId);
                Assert.Equal(ErrorKind.SecurityError, ex.Kind);
                Assert.Contains("TLS handshake failed", ex.Message);
            }
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
            await serving;
        }
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, pem);
        return path;
    }

    private static X509Certificate2 NewCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool server)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            new OidCollection { new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") }, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        // A certificate with its key that SslStream can use on Linux: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>TLS like dockerd --tlsverify: a client certificate signed by the CA is required; then bytes go to the daemon's socket.</summary>
    private async Task ServeAsync(TcpListener listener, X509Certificate2 certificate, X509Certificate2 ca, List<string> clients, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var tcp = await listener.AcceptTcpClientAsync(ct);
                connections.Add(Task.Run(async () =>
                {
                    using var _ = tcp;
                    await using var tls = new SslStream(tcp.GetStream(), false, (_, presented, _, _) =>
                    {
                        if (presented is null) return false;
                        using var chain = new X509Chain();
                        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                        chain.ChainPolicy.CustomTrustStore.Add(ca);
                        var ok = chain.Build(new X509Certificate2(presented));
                        lock (clients) clients.Add(presented.Subject);
                        return ok;
                    });
                    try
                    {
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                        {
                            ServerCertificate = certificate, ClientCertificateRequired = true,
                        }, ct);
                    }
                    catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
                    {
                        return; // the client refused us (wrong CA): that is the test
                    }
                    using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await unix.ConnectAsync(new UnixDomainSocketEndPoint(_daemon.SocketPath), ct);
                    await using var daemon = new NetworkStream(unix, ownsSocket: false);
                    await Task.WhenAny(tls.CopyToAsync(daemon, ct), daemon.CopyToAsync(tls, ct));
                }, ct));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        foreach (var c in connections) await c.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
