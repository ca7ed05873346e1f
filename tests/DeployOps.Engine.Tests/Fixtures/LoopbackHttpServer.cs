using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>What a <see cref="LoopbackHttpServer"/> answers to one request.</summary>
public sealed record CannedResponse(int Status, string Body, string ContentType = "application/json", int DelayMs = 0);

/// <summary>
/// A tiny HTTP/1.1 server on a free loopback port, written on a raw TcpListener so tests control every byte and
/// need no web stack. Routes map "METHOD /path" (or "/path" for any method) to canned responses; unknown paths get 404.
/// With a certificate it speaks TLS (SslStream), so the same server backs the http and tls check tests.
/// Every request line and its headers are recorded.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, CannedResponse> _routes = new(StringComparer.Ordinal);
    private readonly X509Certificate2? _certificate;
    private readonly Task _acceptLoop;

    public LoopbackHttpServer(X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string BaseUrl => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}";
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    public LoopbackHttpServer Route(string route, CannedResponse response)
    {
        lock (_routes) _routes[route] = response;
        return this;
    }

    public LoopbackHttpServer Route(string route, int status, string body, string contentType = "application/json") =>
        Route(route, new CannedResponse(status, body, contentType));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                stream = ssl;
            }
            await using (stream)
            {
                var head = await ReadHeadAsync(stream);
                if (head is null) return;
                Requests.Enqueue(head);
                var requestLine = head.Split("\r\n")[0].Split(' ');
                var method = requestLine[0];
                var path = requestLine.Length > 1 ? requestLine[1] : "/";
                CannedResponse? response;
                lock (_routes)
                {
                    if (!_routes.TryGetValue($"{method} {path}", out response)) _routes.TryGetValue(path, out response);
                }
                response ??= new CannedResponse(404, "not found", "text/plain");
                if (response.DelayMs > 0) await Task.Delay(response.DelayMs, _stop.Token);
                var body = Encoding.UTF8.GetBytes(response.Body);
                var header = $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\nContent-Type: {response.ContentType}\r\n" +
                             $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
        }
        catch (Exception)
        {
            // A client that gives up (timeout, TLS rejection) is part of what the tests exercise.
        }
    }

    /// <summary>Reads up to the blank line ending the request head (bodies are not needed by these tests).</summary>
    internal static async Task<string?> ReadHeadAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one) == 0) return null;
            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^1] == '\n' && buffer[^2] == '\r' && buffer[^3] == '\n' && buffer[^4] == '\r')
                return Encoding.ASCII.GetString(buffer.ToArray());
        }
        return null;
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _acceptLoop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
