using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using DeployOps.Engine.Hosting;
using Docker.DotNet.Models;
using Version = System.Version;
using Api = Docker.DotNet;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// DeployOps' façade over Docker.DotNet: the calls deployments and checks make, each with our error shaping (stable
/// ErrorIds, the daemon's own message and status, connection failures worded so the operator knows what to fix).
/// Every endpoint kind goes through the library's NativeHttp transport with <see cref="DockerEndpoint.ConnectAsync"/>
/// as its connect callback, so unix, tcp (TLS on top) and ssh behave alike and every call is cancellable.
/// The API version is asked for explicitly (1.41, what Debian's docker.io speaks), after checking the daemon has it.
/// </summary>
internal sealed partial class DockerClient : IDisposable
{
    public static readonly Version MinimumApiVersion = new(1, 41);
    /// <summary>The version requested from every daemon that supports it; shapes are checked against this one.</summary>
    public static readonly Version RequestedApiVersion = new(1, 41);

    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private Api.DockerClient? _api;
    private bool _disposed;

    public DockerClient(DockerEndpoint endpoint) => Endpoint = endpoint;

    /// <summary>A client for the configured host, else DOCKER_HOST, else /var/run/docker.sock.</summary>
    public static DockerClient Create(string? host = null, Func<string, string?>? environment = null, DockerTlsOptions? tls = null,
        bool allowInsecureTcp = false, DockerSshOptions? ssh = null) =>
        new(DockerEndpoint.Resolve(host, environment, tls, allowInsecureTcp, ssh));

    public DockerEndpoint Endpoint { get; }

    /// <summary>The API version in use ("1.41"), after the first call.</summary>
    public string? ApiVersion { get; private set; }

    /// <summary>The daemon's own (newest) API version. Fails with DockerUnreachable when nothing answers.</summary>
    public async Task<string> PingAsync(CancellationToken ct) => (await DaemonVersionAsync(ct).ConfigureAwait(false)).APIVersion;

    public Task<VersionResponse> VersionAsync(CancellationToken ct) =>
        CallAsync((api, t) => api.System.GetVersionAsync(t), "read the version of", Endpoint.Display, ErrorScope.Daemon, ct);

    public Task<SystemInfoResponse> InfoAsync(CancellationToken ct) =>
        CallAsync((api, t) => api.System.GetSystemInfoAsync(t), "read system information from", Endpoint.Display, ErrorScope.Daemon, ct);

    public void Dispose()
    {
        _disposed = true;
        _api?.Dispose();
        _negotiation.Dispose();
    }

    /// <summary>Which "not found" a 404 means.</summary>
    private enum ErrorScope
    {
        Daemon,
        Image,
        Container,
    }

    /// <summary>Runs one library call with the negotiated client and shapes whatever goes wrong into our errors.</summary>
    private async Task<T> CallAsync<T>(Func<Api.DockerClient, CancellationToken, Task<T>> call, string action, string target, ErrorScope scope,
        CancellationToken ct)
    {
        var api = await ApiAsync(ct).ConfigureAwait(false);
        return await ShapeAsync(() => call(api, ct), action, target, scope, ct).ConfigureAwait(false);
    }

    private Task CallAsync(Func<Api.DockerClient, CancellationToken, Task> call, string action, string target, ErrorScope scope, CancellationToken ct) =>
        CallAsync(async (api, t) =>
        {
            await call(api, t).ConfigureAwait(false);
            return true;
        }, action, target, scope, ct);

    private async Task<T> ShapeAsync<T>(Func<Task<T>> call, string action, string target, ErrorScope scope, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Api.DockerApiException ex)
        {
            throw Shape(ex.StatusCode, ex.ResponseBody, action, target, scope, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or AuthenticationException && !ct.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
        catch (Exception ex) when (ex is JsonException)
        {
            throw new DeployOpsException(ErrorIds.DockerApiError, ErrorKind.InvalidData,
                $"Docker answered an unreadable response to '{action} {target}': {ex.Message}", target, ex);
        }
    }

    /// <summary>
    /// Asks the daemon (unversioned /version) which API versions it speaks, refuses one older than 1.41, then builds
    /// the client that asks for 1.41 (or the daemon's minimum, for a daemon that dropped 1.41) on every call.
    /// </summary>
    private async Task<Api.DockerClient> ApiAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_api is not null) return _api;
        await _negotiation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_api is not null) return _api;
            var daemon = await DaemonVersionAsync(ct).ConfigureAwait(false);
            if (!Version.TryParse(daemon.APIVersion, out var newest) || newest < MinimumApiVersion)
                throw new DeployOpsException(ErrorIds.DockerApiVersionUnsupported, ErrorKind.InvalidOperation,
                    $"The Docker daemon at {Endpoint} speaks Engine API {daemon.APIVersion}; DeployOps needs {MinimumApiVersion} or newer (Docker 20.10+). Upgrade the daemon.",
                    Endpoint.Display);
            var use = Version.TryParse(daemon.MinAPIVersion, out var oldest) && oldest > RequestedApiVersion ? oldest : RequestedApiVersion;
            ApiVersion = $"{use.Major}.{use.Minor}";
            return _api = Build(use);
        }
        finally
        {
            _negotiation.Release();
        }
    }

    private async Task<VersionResponse> DaemonVersionAsync(CancellationToken ct)
    {
        using var unversioned = Build(null);
        return await ShapeAsync(() => unversioned.System.GetVersionAsync(ct), "read the version of", Endpoint.Display, ErrorScope.Daemon, ct)
            .ConfigureAwait(false);
    }

    private Api.DockerClient Build(Version? apiVersion)
    {
        // The URI names the daemon for TLS (certificate name check); the connect callback decides where bytes go.
        var uri = Endpoint.Transport == DockerTransport.Tcp ? new Uri($"tcp://{UriHost(Endpoint.Host!)}:{Endpoint.Port}") : new Uri("http://docker");
        var builder = new Api.DockerClientBuilder().WithEndpoint(uri).WithApiVersion(apiVersion).WithTimeout(Timeout.InfiniteTimeSpan);
        if (Endpoint.Tls is { } tls) builder = builder.WithAuthProvider(TlsCredentials(tls));
        return builder.WithTransportOptions(new Api.NativeHttp.NativeHttpTransportOptions
        {
            ConfigureHandler = handler =>
            {
                handler.ConnectCallback = (_, token) => Endpoint.ConnectAsync(token);
                handler.UseProxy = false;
                handler.AllowAutoRedirect = false;
                handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30);
            },
        }).Build();
    }

    private static string UriHost(string host) => IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    /// <summary>Client certificate plus a check of the daemon's certificate against the configured CA and name (verify on by default).</summary>
    private static Api.X509.CertificateCredentials TlsCredentials(DockerTlsOptions tls)
    {
        var certificate = tls.CertFile is null ? null : Api.X509.DockerTlsCertificates.LoadCertificateFromPemFiles(tls.CertFile, tls.KeyFile!);
        var ca = tls.CaFile is null ? null : Api.X509.DockerTlsCertificates.LoadCertificateAuthorityFromPemFile(tls.CaFile);
        return new Api.X509.CertificateCredentials(certificate)
        {
            ServerCertificateValidationCallback = (_, presented, _, errors) => !tls.Verify || Trusted(presented, errors, ca),
        };
    }

    private static bool Trusted(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2? ca)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        if (ca is null) return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        return chain.Build(presented as X509Certificate2 ?? new X509Certificate2(presented));
    }

    private static DockerApiException Shape(HttpStatusCode status, string? body, string action, string target, ErrorScope scope, Exception inner)
    {
        string message;
        try
        {
            message = (body is null ? null : JsonDocument.Parse(body).RootElement.TryGetProperty("message", out var m) ? m.GetString() : null) ?? body ?? "";
        }
        catch (JsonException)
        {
            message = body ?? "";
        }
        message = message.Trim();
        var (id, kind) = (status, scope) switch
        {
            (HttpStatusCode.NotFound, ErrorScope.Image) => (ErrorIds.DockerImageNotFound, ErrorKind.ObjectNotFound),
            (HttpStatusCode.NotFound, ErrorScope.Container) => (ErrorIds.DockerContainerNotFound, ErrorKind.ObjectNotFound),
            (HttpStatusCode.Conflict, _) => (ErrorIds.DockerConflict, ErrorKind.ResourceExists),
            (HttpStatusCode.BadRequest, _) => (ErrorIds.DockerApiError, ErrorKind.InvalidArgument),
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) => (ErrorIds.DockerApiError, ErrorKind.PermissionDenied),
            _ => (ErrorIds.DockerApiError, ErrorKind.InvalidOperation),
        };
        return new DockerApiException(id, kind, $"Docker could not {action} '{target}': {message} (HTTP {(int)status} {status})", status, message, target,
            inner);
    }

    /// <summary>A connection failure, worded so the operator knows how to get a daemon to talk to.</summary>
    private DeployOpsException Unreachable(Exception ex)
    {
        var socket = Find<SocketException>(ex);
        var tls = Find<AuthenticationException>(ex);
        string why;
        var kind = ErrorKind.ConnectionError;
        if (Endpoint.SocketPath is { } path && !File.Exists(path) && !Directory.Exists(path))
            why = "the socket does not exist (the daemon is not running, or listens elsewhere)";
        else if (tls is not null)
        {
            why = $"the TLS handshake failed ({tls.Message}); check that the daemon's certificate is signed by the configured CA for the name " +
                  $"{Endpoint.Host}, and that the daemon accepts the client certificate";
            kind = ErrorKind.SecurityError;
        }
        else if (Endpoint.Tls is { } settings && TlsAlert(ex) is { } alert)
        {
            // With TLS 1.3 the daemon checks the client certificate after our side of the handshake: its refusal
            // arrives as an alert on the first read, not as a handshake failure.
            why = $"the daemon ended the TLS session ({alert}): it did not accept the client certificate" + (settings.CertFile is null
                ? "; none is configured, and a daemon started with --tlsverify requires one (set tls.cert and tls.key)"
                : $" {settings.CertFile}; check that it is signed by the CA the daemon trusts (--tlscacert) and is meant for client authentication");
            kind = ErrorKind.SecurityError;
        }
        else if (socket?.SocketErrorCode == SocketError.AccessDenied)
        {
            why = "permission denied on the socket (run as root or as a member of the docker group)";
            kind = ErrorKind.PermissionDenied;
        }
        else if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
            why = "connection refused (the daemon is not running)";
        else if (Endpoint.Transport == DockerTransport.Ssh)
            why = $"ssh {string.Join(' ', SshDialStdio.Arguments(Endpoint))} ended ({ex.Message}); check that ssh logs in without a prompt and the remote docker CLI runs";
        else
            why = socket?.Message ?? ex.Message;
        return new DeployOpsException(ErrorIds.DockerUnreachable, kind,
            $"Cannot reach the Docker daemon at {Endpoint}: {why}. Start it (systemctl start docker, or run dockerd) or {WhereToSetHost}.",
            Endpoint.Display, ex);
    }

    /// <summary>Where the operator changes the daemon address: the <c>host:</c> key when one is in use, else DOCKER_HOST.</summary>
    private string WhereToSetHost => Endpoint.Configured
        ? $"correct the host: key of the configuration ({Endpoint.Display} now)"
        : "set DOCKER_HOST to where it listens (unix:///path/to/docker.sock, tcp://host:2376 with TLS, ssh://user@host), or the host: key";

    /// <summary>The TLS alert the peer sent (OpenSSL words it "... alert bad certificate"), if that is what ended the call.</summary>
    private static string? TlsAlert(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            var at = ex.Message.IndexOf("alert ", StringComparison.Ordinal);
            if (at >= 0) return ex.Message[at..].Trim();
        }
        return null;
    }

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T found) return found;
        return null;
    }
}
