using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A throwaway redis-server on a free loopback port, stopped by PID: optionally with a password, with an ACL user
/// (then the <c>default</c> user is switched off, so only that user gets in) and/or TLS only (no plain-text port)
/// with a certificate for 127.0.0.1/localhost signed by a CA made for the test.
/// </summary>
public sealed class RedisFixture : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly string _binary;
    private readonly TestCertificates? _certificates;
    private Process? _process;

    public RedisFixture(string? password = null) : this(password, null, tls: false) { }

    public RedisFixture(string? password, (string Name, string Password)? aclUser, bool tls)
    {
        _binary = ExternalProcess.Require("apt-get install -y redis-server", "/usr/bin/redis-server", "redis-server");
        Password = password;
        AclUser = aclUser;
        Port = FreePort.Next();
        Directory = ExternalProcess.TempDirectory("redis");
        if (tls)
        {
            _certificates = new TestCertificates("DeployOps Redis Test CA");
            CaFile = TestCertificates.WritePem(Path.Combine(Directory, "ca.pem"), _certificates.Ca);
            var leaf = _certificates.Valid("127.0.0.1", "localhost");
            TestCertificates.WritePem(Path.Combine(Directory, "server.pem"), leaf);
            File.WriteAllText(Path.Combine(Directory, "server.key"), leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }
        WriteConfig();
        Start();
    }

    public int Port { get; }
    public string? Password { get; }
    public (string Name, string Password)? AclUser { get; }
    /// <summary>The CA that signed the server certificate (PEM); null without TLS.</summary>
    public string? CaFile { get; }
    public string Directory { get; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        _process = ExternalProcess.Start(_binary, Path.Combine(Directory, "redis.conf"), _log);
        ExternalProcess.WaitForPort(Port, TimeSpan.FromSeconds(10), () => _log.ToString());
    }

    // A config file rather than arguments: ACL rules contain '>' and '~' that must reach redis-server verbatim.
    private void WriteConfig()
    {
        var lines = new List<string> { "bind 127.0.0.1", "save \"\"", "appendonly no", $"dir {Directory}" };
        if (CaFile is null) lines.Add($"port {Port}");
        else
        {
            lines.AddRange(new[] { "port 0", $"tls-port {Port}", $"tls-cert-file {Directory}/server.pem", $"tls-key-file {Directory}/server.key",
                $"tls-ca-cert-file {CaFile}", "tls-auth-clients no" });
        }
        if (Password is not null) lines.Add($"requirepass {Password}");
        if (AclUser is { } user)
        {
            lines.Add($"user {user.Name} on >{user.Password} ~* &* +@all");
            lines.Add("user default off");
        }
        File.WriteAllLines(Path.Combine(Directory, "redis.conf"), lines);
    }

    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            ExternalProcess.Kill(_process.Id, 9);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        _certificates?.Dispose();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
