using System.Net;
using System.Net.Sockets;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>How a remote daemon's TLS is set up, as the docker CLI's --tlsverify/--tlscacert/--tlscert/--tlskey.</summary>
/// <param name="CaFile">PEM of the CA that signed the daemon's certificate; null trusts the system store.</param>
/// <param name="CertFile">PEM client certificate (with <paramref name="KeyFile"/>) when the daemon asks for one.</param>
/// <param name="Verify">Checks the daemon's certificate and name; false only encrypts (the CLI's --tls without --tlsverify).</param>
internal sealed record DockerTlsOptions(string? CaFile, string? CertFile, string? KeyFile, bool Verify = true);

/// <summary>How an ssh:// daemon is logged into when ~/.ssh/config is not what should decide it.</summary>
/// <param name="IdentityFile">The private key (ssh -i, IdentitiesOnly); null: ssh's own defaults and the agent.</param>
/// <param name="KnownHostsFile">The only known_hosts file consulted, with StrictHostKeyChecking=yes; null: ssh's defaults.</param>
internal sealed record DockerSshOptions(string? IdentityFile, string? KnownHostsFile);

internal enum DockerTransport
{
    Unix,
    Tcp,
    Ssh,
}

/// <summary>
/// Where the Docker daemon listens, spelled as DOCKER_HOST: unix:///path, tcp://host:port (TLS with <see cref="Tls"/>;
/// plain tcp only to loopback or with the explicit insecure opt-in, because the API then has no authentication) or
/// ssh://[user@]host[:port] (through <c>ssh -- host docker system dial-stdio</c>, the docker CLI's own convention).
/// </summary>
internal sealed class DockerEndpoint
{
    public const string DefaultSocketPath = "/var/run/docker.sock";

    private DockerEndpoint(string display, DockerTransport transport)
    {
        Display = display;
        Transport = transport;
    }

    /// <summary>The endpoint as DOCKER_HOST would spell it.</summary>
    public string Display { get; }
    public DockerTransport Transport { get; }
    public string? SocketPath { get; private init; }
    /// <summary>tcp: the host name or address and port; ssh: the host and the port when one is given.</summary>
    public string? Host { get; private init; }
    public int? Port { get; private init; }
    /// <summary>ssh: the login user when one is given.</summary>
    public string? User { get; private init; }
    public DockerTlsOptions? Tls { get; private init; }
    /// <summary>ssh: the key and known_hosts file, when configured.</summary>
    public DockerSshOptions? Ssh { get; private init; }
    /// <summary>True when the address came from the configuration's host: key rather than DOCKER_HOST or the default.</summary>
    public bool Configured { get; private set; }
    /// <summary>True for a unix socket path; kept for the wording of connection errors.</summary>
    public bool IsUnixSocket => Transport == DockerTransport.Unix;
    /// <summary>The daemon runs on this machine (a unix socket or loopback tcp), so its file system paths are ours too.</summary>
    public bool IsLocal => Transport == DockerTransport.Unix || (Transport == DockerTransport.Tcp && IsLoopback(Host!));

    public override string ToString() => Display;

    /// <summary>
    /// The configured host if any, else DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the CLI reads
    /// them), else the default socket. A configured host takes only the configured TLS settings.
    /// </summary>
    public static DockerEndpoint Resolve(string? configured, Func<string, string?>? environment = null, DockerTlsOptions? tls = null,
        bool allowInsecureTcp = false, DockerSshOptions? ssh = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var endpoint = Parse(configured.Trim(), tls, allowInsecureTcp, ssh);
            endpoint.Configured = true;
            return endpoint;
        }
        var text = environment("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(text)) return Parse("unix://" + DefaultSocketPath);
        if (tls is null && environment("DOCKER_TLS_VERIFY") is { Length: > 0 } verify && verify != "0")
        {
            var directory = environment("DOCKER_CERT_PATH") is { Length: > 0 } path ? path
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
            tls = new DockerTlsOptions(Path.Combine(directory, "ca.pem"), Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        }
        return Parse(text.Trim(), tls, allowInsecureTcp);
    }

    public static DockerEndpoint Parse(string host, DockerTlsOptions? tls = null, bool allowInsecureTcp = false, DockerSshOptions? ssh = null)
    {
        if (ssh is not null && !host.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
            throw Invalid(host, "ssh settings apply to ssh:// hosts only");
        if (host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase) || host.StartsWith('/'))
        {
            var path = host.StartsWith('/') ? host : host["unix://".Length..];
            if (!path.StartsWith('/')) throw Invalid(host, "a unix socket path must be absolute (unix:///path/docker.sock)");
            if (tls is not null) throw Invalid(host, "TLS settings apply to tcp:// hosts only");
            return new DockerEndpoint("unix://" + path, DockerTransport.Unix) { SocketPath = path };
        }
        if (host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)) return ParseTcp(host, tls, allowInsecureTcp);
        if (host.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.AbsolutePath.Length > 1 || uri.Query.Length > 0)
                throw Invalid(host, "expected ssh://[user@]host[:port]");
            if (tls is not null) throw Invalid(host, "TLS settings apply to tcp:// hosts only; ssh encrypts and authenticates itself");
            var user = uri.UserInfo.Length == 0 ? null : Uri.UnescapeDataString(uri.UserInfo);
            if (user is not null && (user.Contains(':') || user.StartsWith('-'))) throw Invalid(host, "the ssh user must be a plain login name (no password)");
            foreach (var file in new[] { ssh?.IdentityFile, ssh?.KnownHostsFile })
                if (file is not null && !File.Exists(file)) throw Invalid(host, $"ssh file {file} does not exist");
            return new DockerEndpoint($"ssh://{(user is null ? "" : user + "@")}{uri.Host}{(uri.IsDefaultPort ? "" : ":" + uri.Port)}", DockerTransport.Ssh)
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort ? null : uri.Port,
                User = user,
                Ssh = ssh,
            };
        }
        throw Invalid(host, "use unix:///path/docker.sock, tcp://host:port or ssh://user@host");
    }

    private static DockerEndpoint ParseTcp(string host, DockerTlsOptions? tls, bool allowInsecureTcp)
    {
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Port <= 0 || uri.Host.Length == 0 || uri.AbsolutePath.Length > 1)
            throw Invalid(host, "expected tcp://host:port");
        var name = uri.Host.Trim('[', ']');
        if (tls is null && !IsLoopback(name) && !allowInsecureTcp)
            throw Invalid(host, "plain tcp to a non-loopback daemon has no authentication and no encryption; configure tls (ca, cert, key) " +
                "for a daemon started with --tlsverify, or set insecurePlainTcp: true to accept that risk explicitly");
        foreach (var file in new[] { tls?.CaFile, tls?.CertFile, tls?.KeyFile })
            if (file is not null && !File.Exists(file)) throw Invalid(host, $"TLS file {file} does not exist");
        if (tls is not null && (tls.CertFile is null) != (tls.KeyFile is null)) throw Invalid(host, "a TLS client certificate needs both cert and key");
        return new DockerEndpoint($"tcp://{uri.Host}:{uri.Port}", DockerTransport.Tcp) { Host = name, Port = uri.Port, Tls = tls };
    }

    /// <summary>Opens a stream to the daemon (TLS is layered on top by the HTTP handler); the HTTP handler's connect callback.</summary>
    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Transport == DockerTransport.Ssh) return await SshDialStdio.StartAsync(this, cancellationToken).ConfigureAwait(false);
        Socket socket;
        EndPoint target;
        if (Transport == DockerTransport.Unix)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            target = new UnixDomainSocketEndPoint(SocketPath!);
        }
        else
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            target = IPAddress.TryParse(Host, out var address) ? new IPEndPoint(address, Port!.Value) : new DnsEndPoint(Host!, Port!.Value);
        }
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool IsLoopback(string name) => name == "localhost" || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip));

    private static DeployOpsException Invalid(string host, string why) =>
        new(ErrorIds.DockerHostInvalid, ErrorKind.InvalidArgument, $"Invalid Docker host '{host}': {why}.", host);
}
