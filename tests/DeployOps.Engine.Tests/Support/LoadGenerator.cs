namespace DeployOps.Engine.Tests.Support;

/// <summary>Steady real traffic against a URL from a few concurrent workers until disposed.</summary>
public sealed class LoadGenerator : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private long _sent;

    public LoadGenerator(string url, int concurrency = 3, int pauseMs = 25)
    {
        _workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await Http.GetAsync(url, _stop.Token);
                    Interlocked.Increment(ref _sent);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    if (_stop.IsCancellationRequested) return;
                    try { await Task.Delay(50, _stop.Token); } catch (OperationCanceledException) { return; }
                }
                if (pauseMs > 0)
                {
                    try { await Task.Delay(pauseMs, _stop.Token); } catch (OperationCanceledException) { return; }
                }
            }
        })).ToArray();
    }

    public long Sent => Interlocked.Read(ref _sent);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await Task.WhenAll(_workers); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
