using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// A small typed client for the Docker Engine API over its unix socket (or a loopback tcp port). Paths carry the API
/// version, negotiated once per client from /_ping: the daemon's version capped at the newest one whose shapes were
/// checked here, and refused below 1.41. Daemon errors keep their message and HTTP status; connection failures say
/// how to reach the daemon. Everything is cancellable.
/// </summary>
internal sealed partial class DockerClient : IDisposable
{
    public static readonly Version MinimumApiVersion = new(1, 41);
    public static readonly Version MaximumApiVersion = new(1, 45);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private string? _apiPrefix;

    public DockerClient(DockerEndpoint endpoint)
    {
        Endpoint = endpoint;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, ct) => endpoint.ConnectAsync(ct),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        // Streams (pull, save, logs) and stop-with-timeout run as long as they need; callers cancel with their token.
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>A client for the configured host, else DOCKER_HOST, else /var/run/docker.sock.</summary>
    public static DockerClient Create(string? host = null, Func<string, string?>? environment = null) =>
        new(DockerEndpoint.Resolve(host, environment));

    public DockerEndpoint Endpoint { get; }

    /// <summary>The API version in use ("1.41"), after the first call.</summary>
    public string? ApiVersion => _apiPrefix?.Trim('/')[1..];

    /// <summary>GET /_ping: the daemon's API version. Fails with DockerUnreachable when nothing answers.</summary>
    public async Task<string> PingAsync(CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "_ping"), HttpCompletionOption.ResponseContentRead, ct)
            .ConfigureAwait(false);
        await EnsureSuccessAsync(response, "ping", Endpoint.Display, ErrorScope.Daemon, ct).ConfigureAwait(false);
        return response.Headers.TryGetValues("Api-Version", out var values) ? values.First() : MinimumApiVersion.ToString();
    }

    public Task<DockerVersion> VersionAsync(CancellationToken ct) =>
        GetJsonAsync<DockerVersion>("version", "read the version of", Endpoint.Display, ErrorScope.Daemon, ct);

    public Task<DockerInfo> InfoAsync(CancellationToken ct) =>
        GetJsonAsync<DockerInfo>("info", "read system information from", Endpoint.Display, ErrorScope.Daemon, ct);

    public void Dispose()
    {
        _http.Dispose();
        _negotiation.Dispose();
    }

    // ---- plumbing shared by the image and container calls ----

    /// <summary>Which "not found" a 404 means.</summary>
    private enum ErrorScope
    {
        Daemon,
        Image,
        Container,
    }

    private async Task<string> PrefixAsync(CancellationToken ct)
    {
        if (_apiPrefix is not null) return _apiPrefix;
        await _negotiation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_apiPrefix is not null) return _apiPrefix;
            var daemon = await PingAsync(ct).ConfigureAwait(false);
            if (!Version.TryParse(daemon, out var version)) version = MinimumApiVersion;
            if (version < MinimumApiVersion)
                throw new DeployOpsException(ErrorIds.DockerApiVersionUnsupported, ErrorKind.InvalidOperation,
                    $"The Docker daemon at {Endpoint} speaks Engine API {daemon}; DeployOps needs {MinimumApiVersion} or newer (Docker 20.10+). Upgrade the daemon.",
                    Endpoint.Display);
            var use = version > MaximumApiVersion ? MaximumApiVersion : version;
            return _apiPrefix = $"v{use.Major}.{use.Minor}/";
        }
        finally
        {
            _negotiation.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content,
        string action, string target, ErrorScope scope, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool registryAuth = false)
    {
        var prefix = await PrefixAsync(ct).ConfigureAwait(false);
        var request = new HttpRequestMessage(method, prefix + pathAndQuery) { Content = content };
        // The daemon wants an auth header for registry operations even when the registry needs none: base64 of {}.
        if (registryAuth) request.Headers.Add("X-Registry-Auth", Convert.ToBase64String(Encoding.UTF8.GetBytes("{}")));
        var response = await SendRawAsync(request, completion, ct).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, action, target, scope, ct).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        using (request)
        {
            try
            {
                return await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (!ct.IsCancellationRequested)
            {
                throw Unreachable(ex);
            }
        }
    }

    private async Task<T> GetJsonAsync<T>(string pathAndQuery, string action, string target, ErrorScope scope, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, action, target, scope, ct).ConfigureAwait(false);
        return await ReadJsonAsync<T>(response, action, target, ct).ConfigureAwait(false);
    }

    private async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, string action, string target, CancellationToken ct)
    {
        try
        {
            var value = await response.Content.ReadFromJsonAsync<T>(Json, ct).ConfigureAwait(false);
            return value ?? throw new JsonException("empty body");
        }
        catch (JsonException ex)
        {
            throw new DeployOpsException(ErrorIds.DockerApiError, ErrorKind.InvalidData,
                $"Docker answered an unreadable response to '{action} {target}': {ex.Message}", target, ex);
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
    }

    private static StringContent JsonBody<T>(T value) =>
        new(JsonSerializer.Serialize(value, Json), Encoding.UTF8, "application/json");

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string action, string target, ErrorScope scope, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified) return;
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string message;
        try
        {
            message = JsonSerializer.Deserialize<DockerErrorBody>(body, Json)?.Message ?? body;
        }
        catch (JsonException)
        {
            message = body;
        }
        message = message.Trim();
        var status = response.StatusCode;
        var (id, kind) = (status, scope) switch
        {
            (HttpStatusCode.NotFound, ErrorScope.Image) => (ErrorIds.DockerImageNotFound, ErrorKind.ObjectNotFound),
            (HttpStatusCode.NotFound, ErrorScope.Container) => (ErrorIds.DockerContainerNotFound, ErrorKind.ObjectNotFound),
            (HttpStatusCode.Conflict, _) => (ErrorIds.DockerConflict, ErrorKind.ResourceExists),
            (HttpStatusCode.BadRequest, _) => (ErrorIds.DockerApiError, ErrorKind.InvalidArgument),
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) => (ErrorIds.DockerApiError, ErrorKind.PermissionDenied),
            _ => (ErrorIds.DockerApiError, ErrorKind.InvalidOperation),
        };
        throw new DockerApiException(id, kind,
            $"Docker could not {action} '{target}': {message} (HTTP {(int)status} {response.ReasonPhrase})", status, message, target);
    }

    /// <summary>A connection failure, worded so the operator knows how to get a daemon to talk to.</summary>
    private DeployOpsException Unreachable(Exception ex)
    {
        var socket = ex as SocketException ?? ex.InnerException as SocketException ?? ex.InnerException?.InnerException as SocketException;
        string why;
        var kind = ErrorKind.ConnectionError;
        if (Endpoint.SocketPath is { } path && !File.Exists(path) && !Directory.Exists(path))
            why = "the socket does not exist (the daemon is not running, or listens elsewhere)";
        else if (socket?.SocketErrorCode == SocketError.AccessDenied)
        {
            why = "permission denied on the socket (run as root or as a member of the docker group)";
            kind = ErrorKind.PermissionDenied;
        }
        else if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
            why = "connection refused (the daemon is not running)";
        else
            why = socket?.Message ?? ex.Message;
        return new DeployOpsException(ErrorIds.DockerUnreachable, kind,
            $"Cannot reach the Docker daemon at {Endpoint}: {why}. Start it (systemctl start docker, or run dockerd) " +
            "or set DOCKER_HOST to where it listens (unix:///path/to/docker.sock or tcp://127.0.0.1:<port>).",
            Endpoint.Display, ex);
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment).Replace("%2F", "/", StringComparison.Ordinal);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var parts = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static string Flag(bool value) => value ? "1" : "0";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static MediaTypeHeaderValue TarMediaType => new("application/x-tar");
}
