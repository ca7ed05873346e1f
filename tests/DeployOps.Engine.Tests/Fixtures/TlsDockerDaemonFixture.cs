namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A remote Docker daemon as an admin runs one: a private dockerd inside a network namespace of its own
/// (<see cref="NetworkNamespace"/>), listening on tcp://10.78.N.2:2376 with --tlsverify and certificates made here by
/// a CA of its own (server certificate for that address, a client certificate the daemon requires) plus a second,
/// unrelated CA for refusal tests. Its unix socket also serves, unencrypted, for setup and for an ssh host's docker
/// CLI. Dispose stops dockerd and containerd by PID, then deletes the namespace and the certificates.
/// </summary>
public sealed class TlsDockerDaemonFixture : IDisposable
{
    public const int Port = 2376;

    private readonly TestCertificates _ca = new("DeployOps dockerd CA");
    private readonly TestCertificates _otherCa = new("DeployOps unrelated CA");
    private readonly NetworkNamespace? _namespace;
    private readonly DockerDaemonFixture? _daemon;

    public TlsDockerDaemonFixture()
    {
        Folder = ExternalProcess.TempDirectory("docker-tlsd");
        try
        {
            _namespace = new NetworkNamespace();
            CaFile = TestCertificates.WritePem(Path.Combine(Folder, "ca.pem"), _ca.Ca);
            OtherCaFile = TestCertificates.WritePem(Path.Combine(Folder, "other-ca.pem"), _otherCa.Ca);
            var server = _ca.Valid(_namespace.Address);
            var serverCert = TestCertificates.WritePem(Path.Combine(Folder, "server-cert.pem"), server);
            var serverKey = TestCertificates.WriteKeyPem(Path.Combine(Folder, "server-key.pem"), server);
            var client = _ca.Client("deployops");
            CertFile = TestCertificates.WritePem(Path.Combine(Folder, "cert.pem"), client);
            KeyFile = TestCertificates.WriteKeyPem(Path.Combine(Folder, "key.pem"), client);
            Host = $"tcp://{_namespace.Address}:{Port}";
            _daemon = new DockerDaemonFixture(_namespace.Name, new[]
            {
                "--tlsverify", $"--tlscacert {CaFile}", $"--tlscert {serverCert}", $"--tlskey {serverKey}", $"--host {Host}",
            }, "1");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Folder { get; }
    /// <summary>The daemon's tcp address, inside the namespace: tcp://10.78.N.2:2376.</summary>
    public string Host { get; } = "";
    public string Address => _namespace!.Address;
    public string CaFile { get; } = "";
    public string OtherCaFile { get; } = "";
    public string CertFile { get; } = "";
    public string KeyFile { get; } = "";
    /// <summary>The same daemon's unix socket (no TLS) as DOCKER_HOST spells it.</summary>
    public string UnixHost => _daemon!.Host;
    public string Log => _daemon!.Log;

    public void Dispose()
    {
        _daemon?.Dispose();
        _namespace?.Dispose();
        _ca.Dispose();
        _otherCa.Dispose();
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class TlsDockerCollection : ICollectionFixture<TlsDockerDaemonFixture>
{
    public const string Name = "docker-tls";
}
