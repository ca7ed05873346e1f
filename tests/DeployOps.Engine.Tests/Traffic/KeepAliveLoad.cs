using System.Collections.Concurrent;
using System.Text;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// Keep-alive clients alternating GET and POST through a router until stopped, with no retry at all: a POST is not
/// retried by real clients, so every non-2xx answer and every socket error counts as a failed request. Without a rate
/// each worker sends back to back; with <c>ratePerSecond</c> the workers together send about that many per second.
/// </summary>
public sealed class KeepAliveLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly Task[] _workers;
    private int _gets;
    private int _posts;
    private int _socketErrors;

    public KeepAliveLoad(string baseUrl, int concurrency = 8, int ratePerSecond = 0)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        var pace = ratePerSecond > 0 ? TimeSpan.FromSeconds((double)concurrency / ratePerSecond) : TimeSpan.Zero;
        _workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(baseUrl, pace))).ToArray();
    }

    public ConcurrentDictionary<string, int> Versions { get; } = new();
    public ConcurrentQueue<string> Failures { get; } = new();
    public int Requests => Versions.Values.Sum() + Failures.Count;
    public int Gets => _gets;
    public int Posts => _posts;
    /// <summary>Failed requests that got no HTTP answer at all (reset, closed keep-alive connection, timeout).</summary>
    public int SocketErrors => _socketErrors;

    private async Task WorkAsync(string baseUrl, TimeSpan pace)
    {
        using var timer = pace > TimeSpan.Zero ? new PeriodicTimer(pace) : null;
        var post = false;
        while (!_stop.IsCancellationRequested)
        {
            post = !post;
            if (timer is not null)
            {
                try { await timer.WaitForNextTickAsync(_stop.Token); }
                catch (OperationCanceledException) { return; }
            }
            try
            {
                using var request = post
                    ? new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api/orders") { Content = new StringContent("{\"sku\":\"a\"}", Encoding.UTF8, "application/json") }
                    : new HttpRequestMessage(HttpMethod.Get, baseUrl + "/api/work");
                if (post) Interlocked.Increment(ref _posts);
                else Interlocked.Increment(ref _gets);
                using var response = await _http.SendAsync(request, _stop.Token);
                if (response.IsSuccessStatusCode)
                {
                    var version = response.Headers.TryGetValues("X-App-Version", out var v) ? string.Join(",", v) : "none";
                    Versions.AddOrUpdate(version, 1, (_, n) => n + 1);
                }
                else Failures.Enqueue($"{request.Method} HTTP {(int)response.StatusCode} from " +
                    $"{(response.Headers.TryGetValues("X-App-Version", out var v) ? string.Join(",", v) : "the router")} at {DateTime.UtcNow:HH:mm:ss.fff}");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _socketErrors);
                Failures.Enqueue($"{(post ? "POST" : "GET")} {ex.GetType().Name}: {ex.Message} at {DateTime.UtcNow:HH:mm:ss.fff}");
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests were answered (the load is really flowing).</summary>
    public async Task WarmUpAsync(int count = 50)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Requests < count && DateTime.UtcNow < deadline) await Task.Delay(20);
    }

    private bool _stopped;

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _stop.Cancel();
        try { await Task.WhenAll(_workers); } catch (OperationCanceledException) { }
        _http.Dispose();
        _stop.Dispose();
    }

    public string Summary() => $"{Requests} requests ({Gets} GET, {Posts} POST): {string.Join(", ", Versions.Select(kv => $"{kv.Key}={kv.Value}"))}; " +
        $"failed {Failures.Count}, of which socket errors {SocketErrors} ({string.Join("; ", Failures.Take(5))})";
}
