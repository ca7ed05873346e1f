using System.Collections.Concurrent;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Concurrent GETs through the proxy until stopped, counted by answering version. A request counts as failed when
/// it gets a non-2xx answer or still throws after one retry of the idempotent GET; first-attempt socket errors
/// (an idle keep-alive connection closed by an old nginx worker) are counted separately as raw errors.
/// </summary>
public sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Task[] _workers;

    public LoadLoop(string url, int concurrency = 8)
    {
        _workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(url))).ToArray();
    }

    public ConcurrentDictionary<string, int> Versions { get; } = new();
    public ConcurrentQueue<string> Failures { get; } = new();
    public int Requests => Versions.Values.Sum() + Failures.Count;
    public int RawErrors;

    private async Task WorkAsync(string url)
    {
        while (!_stop.IsCancellationRequested)
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    using var response = await _http.GetAsync(url, _stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        var version = response.Headers.TryGetValues("X-App-Version", out var v) ? string.Join(",", v) : "none";
                        Versions.AddOrUpdate(version, 1, (_, n) => n + 1);
                    }
                    else Failures.Enqueue($"HTTP {(int)response.StatusCode} from {string.Join(",", response.Headers.TryGetValues("X-App-Version", out var v) ? v : new[] { "nginx" })}");
                    break;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    if (attempt == 0) Interlocked.Increment(ref RawErrors);
                    else Failures.Enqueue($"{ex.GetType().Name}: {ex.Message}");
                }
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

    public string Summary() => $"{Requests} requests: {string.Join(", ", Versions.Select(kv => $"{kv.Key}={kv.Value}"))}; " +
        $"failed {Failures.Count} ({string.Join("; ", Failures.Take(5))}); raw socket errors {RawErrors}";
}
