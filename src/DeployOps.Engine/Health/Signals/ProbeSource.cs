using System.Diagnostics;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// GETs each health endpoint: 2xx is up. Signals are the worst streak of consecutive failures (the crash rule
/// reads it), the endpoints that refused the connection (the appDown rule) and the slowest answer. An unreachable
/// endpoint is evidence, not a source error.
/// </summary>
internal sealed class ProbeSource : ISignalSource
{
    private readonly IReadOnlyList<string> _urls;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<string, int> _streaks = new(StringComparer.Ordinal);

    public ProbeSource(IReadOnlyList<string> urls, TimeSpan timeout)
    {
        _urls = urls;
        _timeout = timeout;
    }

    public string Name => "probes";

    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(SourceReading.Empty);

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(_urls.Select(u => ProbeAsync(u, cancellationToken))).ConfigureAwait(false);
        var reading = new SourceReading();
        var worst = 0;
        double? slowest = null;
        var refused = 0;
        foreach (var (url, latency, failure, wasRefused) in results)
        {
            if (wasRefused) refused++;
            var streak = failure is null ? 0 : _streaks.GetValueOrDefault(url) + 1;
            _streaks[url] = streak;
            worst = Math.Max(worst, streak);
            if (failure is not null) reading.Notes.Add($"health endpoint {url} failed ({streak} in a row): {failure}");
            else slowest = Math.Max(slowest ?? 0, latency);
        }
        reading.Set(HealthSignals.HealthDown, worst);
        reading.Set(HealthSignals.Refused, refused);
        if (slowest is { } ms) reading.Set(HealthSignals.HealthLatency, ms);
        else reading.Unreadable[HealthSignals.HealthLatency] = "no health endpoint answered";
        return reading;
    }

    private async Task<(string Url, double LatencyMs, string? Failure, bool Refused)> ProbeAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await HealthHttp.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var ms = clock.Elapsed.TotalMilliseconds;
            return response.IsSuccessStatusCode ? (url, ms, null, false) : (url, ms, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (url, clock.Elapsed.TotalMilliseconds, HealthHttp.Describe(ex, _timeout), HealthHttp.IsRefused(ex));
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
