using System.Net;
using System.Net.Sockets;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// Where the Docker daemon listens: a unix socket (the default) or a tcp port on loopback. Remote tcp daemons are
/// refused on purpose: the API is unauthenticated there and DeployOps never talks to non-loopback addresses.
/// </summary>
internal sealed class DockerEndpoint
{
    public const string DefaultSocketPath = "/var/run/docker.sock";

    private DockerEndpoint(string display, string? socketPath, IPEndPoint? tcp)
    {
        Display = display;
        SocketPath = socketPath;
        Tcp = tcp;
    }

    /// <summary>The endpoint as DOCKER_HOST would spell it.</summary>
    public string Display { get; }
    public string? SocketPath { get; }
    public IPEndPoint? Tcp { get; }
    public bool IsUnixSocket => SocketPath is not null;

    public override string ToString() => Display;

    /// <summary>The configured host if any, else DOCKER_HOST, else the default socket.</summary>
    public static DockerEndpoint Resolve(string? configured, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var text = string.IsNullOrWhiteSpace(configured) ? environment("DOCKER_HOST") : configured;
        return Parse(string.IsNullOrWhiteSpace(text) ? "unix://" + DefaultSocketPath : text.Trim());
    }

    public static DockerEndpoint Parse(string host)
    {
        if (host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = host["unix://".Length..];
            if (!path.StartsWith('/')) throw Invalid(host, "a unix socket path must be absolute (unix:///path/docker.sock)");
            return new DockerEndpoint("unix://" + path, path, null);
        }
        if (host.StartsWith('/')) return new DockerEndpoint("unix://" + host, host, null);
        if (host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Port <= 0 || uri.AbsolutePath.Length > 1)
                throw Invalid(host, "expected tcp://127.0.0.1:<port>");
            IPAddress? address = uri.Host == "localhost" ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip) ? ip : null;
            if (address is null)
                throw Invalid(host, "only loopback tcp addresses (127.0.0.1, ::1, localhost) are allowed; use a unix socket for anything else");
            return new DockerEndpoint($"tcp://{uri.Host}:{uri.Port}", null, new IPEndPoint(address, uri.Port));
        }
        throw Invalid(host, "use unix:///path/docker.sock or tcp://127.0.0.1:<port>");
    }

    /// <summary>Opens a stream to the daemon; used as the HTTP handler's connect callback.</summary>
    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        EndPoint target;
        if (SocketPath is not null)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            target = new UnixDomainSocketEndPoint(SocketPath);
        }
        else
        {
            socket = new Socket(Tcp!.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            target = Tcp;
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

    private static DeployOpsException Invalid(string host, string why) =>
        new(ErrorIds.DockerHostInvalid, ErrorKind.InvalidArgument, $"Invalid Docker host '{host}': {why}.", host);
}
