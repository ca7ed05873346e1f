using System.Globalization;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Exposition;

namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// Scrapes /metrics of every target each interval and turns counter and bucket deltas into signals: requests,
/// error rate (by status class), p95/p99 (PromQL interpolation over bucket deltas), resident memory and its growth.
/// A target whose counters went down restarted: its counters count again from zero. A target that refuses the
/// connection is counted in the refused signal (the application is down), not reported as a scrape error.
/// </summary>
internal sealed class ScrapeSource : ISignalSource
{
    private const string StartTimeMetric = "process_start_time_seconds";
    private const double Mebibyte = 1024 * 1024;
    private readonly ScrapeSettings _settings;
    private readonly TimeSpan _timeout;
    private readonly Func<DateTimeOffset> _clock;
    private readonly Dictionary<string, Snapshot> _previous = new(StringComparer.Ordinal);
    private readonly MemoryTrend _memory;
    private DateTimeOffset? _previousReadAt;

    private readonly string? _version;
    private readonly bool _versionOnly;

    /// <param name="version">Also report the counts as the comparative judge's <c>&lt;version&gt;.*</c> signals.</param>
    /// <param name="versionOnly">Report only those (another version's instances: their figures must not mix into the watch's own).</param>
    public ScrapeSource(ScrapeSettings settings, TimeSpan timeout, Func<DateTimeOffset>? clock = null, string? version = null, bool versionOnly = false)
    {
        _settings = settings;
        _version = version;
        _versionOnly = versionOnly && version is not null;
        _timeout = timeout;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        _memory = new MemoryTrend(settings.MemoryGrowthWindow);
    }

    public string Name => _version is null ? "scrape" : "scrape " + _version;

    /// <summary>The baseline scrape: the first window's deltas are taken against it.</summary>
    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => ReadAsync(cancellationToken);

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(_settings.Targets.Select(t => FetchAsync(t, cancellationToken))).ConfigureAwait(false);
        var now = _clock();
        var reading = new SourceReading();
        var window = new Window();
        var refused = 0;
        foreach (var (url, snapshot, error, wasRefused) in results)
        {
            if (snapshot is null)
            {
                window.Failed++;
                window.MemoryComplete = false;
                // A refused connection is the application down (the appDown rule), not a failure of the metrics source.
                if (wasRefused)
                {
                    refused++;
                    reading.Notes.Add($"scrape {url}: {error}: the application is not listening");
                }
                else reading.Errors.Add($"scrape {url}: {error}");
                continue;
            }
            Accumulate(url, snapshot, window, reading);
        }
        reading.Set(HealthSignals.Refused, refused);
        var seconds = _previousReadAt is { } last ? (now - last).TotalSeconds : 0;
        _previousReadAt = now;
        Report(window, reading, now, results.Length);
        if (reading.Signals.TryGetValue(HealthSignals.Requests, out var requests) && seconds > 0)
            reading.Set(HealthSignals.RequestRate, requests / seconds);
        else if (reading.Unreadable.TryGetValue(HealthSignals.Requests, out var why)) reading.Unreadable[HealthSignals.RequestRate] = why;
        if (_settings.RequestRateBefore is { } before && !_versionOnly) reading.Set(HealthSignals.RequestRateBefore, before);
        return _version is null ? reading : Versioned(window, reading, results.Length);
    }

    private void Accumulate(string url, Snapshot current, Window window, SourceReading reading)
    {
        if (current.Memory is { } memory) window.Memory += memory;
        else window.MemoryComplete = false;
        window.MemorySeen |= current.Memory is not null;
        foreach (var (name, value) in current.Gauges) window.Gauges[name] = window.Gauges.GetValueOrDefault(name) + value;

        _previous.TryGetValue(url, out var previous);
        _previous[url] = current;
        if (previous is null) return; // the first scrape of a target is its baseline
        window.Targets++;
        window.RequestsSeen |= current.Requests.Count > 0 || current.DeclaresRequests;
        window.HistogramSeen |= current.Buckets.Count > 0;

        var reset = current.WentDownFrom(previous);
        if (reset)
        {
            window.Restarts++;
            reading.Notes.Add($"counter reset on {url}: the target restarted; its counters count from zero");
        }
        foreach (var (key, (value, status)) in current.Requests)
        {
            var increase = reset ? value : CounterDelta.Increase(previous.Requests.TryGetValue(key, out var p) ? p.Value : null, value);
            window.Requests += increase;
            if (_settings.IsError(status)) window.Errors += increase;
        }
        foreach (var (key, (le, value)) in current.Buckets)
        {
            var increase = reset ? value : CounterDelta.Increase(previous.Buckets.TryGetValue(key, out var p) ? p.Value : null, value);
            window.Buckets[le] = window.Buckets.GetValueOrDefault(le) + increase;
        }
    }

    private void Report(Window window, SourceReading reading, DateTimeOffset now, int targets)
    {
        var noWindow = window.Targets == 0
            ? (window.Failed == targets ? "every scrape failed" : "first scrape of the targets (baseline only)")
            : null;

        if (noWindow is not null) Unreadable(reading, noWindow, HealthSignals.Requests, HealthSignals.ErrorRate, HealthSignals.P95, HealthSignals.P99);
        else
        {
            reading.Set(HealthSignals.Restarts, window.Restarts);
            if (!window.RequestsSeen)
                Unreadable(reading, $"metric {_settings.RequestsMetric} not found", HealthSignals.Requests, HealthSignals.ErrorRate);
            else
            {
                reading.Set(HealthSignals.Requests, window.Requests);
                if (window.Requests > 0) reading.Set(HealthSignals.ErrorRate, 100 * window.Errors / window.Requests);
                else reading.Unreadable[HealthSignals.ErrorRate] = "no requests in the window";
            }
            if (!window.HistogramSeen)
                Unreadable(reading, $"histogram {_settings.DurationMetric} not found", HealthSignals.P95, HealthSignals.P99);
            else
            {
                var buckets = window.Buckets.Select(kv => new Bucket(kv.Key, kv.Value)).ToList();
                SetQuantile(reading, HealthSignals.P95, 0.95, buckets);
                SetQuantile(reading, HealthSignals.P99, 0.99, buckets);
            }
        }

        if (!window.MemorySeen && window.Failed < targets)
            Unreadable(reading, $"gauge {_settings.MemoryMetric} not found", HealthSignals.Memory);
        else if (window.MemoryComplete && window.MemorySeen)
        {
            var megabytes = window.Memory / Mebibyte;
            reading.Set(HealthSignals.Memory, megabytes);
            _memory.Add(now, megabytes);
            if (_memory.GrowthPerMinute() is { } growth) reading.Set(HealthSignals.MemoryGrowth, growth);
        }
        foreach (var (signal, value) in window.Gauges) reading.Set(signal, value);
    }

    /// <summary>The window's counts as <c>&lt;version&gt;.requests/errors/bucket.&lt;le&gt;</c> (Comparison/VersionCounts reads them).</summary>
    private SourceReading Versioned(Window window, SourceReading reading, int targets)
    {
        var result = _versionOnly ? new SourceReading() : reading;
        if (_versionOnly)
        {
            result.Errors.AddRange(reading.Errors);
            result.Notes.AddRange(reading.Notes);
        }
        var version = _version!;
        string? why = window.Targets == 0 ? (window.Failed == targets ? "every scrape failed" : "first scrape of the targets (baseline only)")
            : window.Failed > 0 ? $"{window.Failed} of {targets} {version} targets could not be scraped"
            : !window.RequestsSeen ? $"metric {_settings.RequestsMetric} not found"
            : null;
        if (why is not null)
        {
            result.Unreadable[Comparison.VersionCounts.RequestsSignal(version)] = why;
            result.Unreadable[Comparison.VersionCounts.ErrorsSignal(version)] = why;
            return result;
        }
        result.Set(Comparison.VersionCounts.RequestsSignal(version), window.Requests);
        result.Set(Comparison.VersionCounts.ErrorsSignal(version), window.Errors);
        foreach (var (le, count) in window.Buckets) result.Set(Comparison.VersionCounts.BucketSignal(version, le), count);
        return result;
    }

    private static void SetQuantile(SourceReading reading, string signal, double q, List<Bucket> buckets)
    {
        var seconds = HistogramQuantile.Compute(q, buckets);
        if (double.IsNaN(seconds)) reading.Unreadable[signal] = "no requests observed in the window";
        else reading.Set(signal, seconds * 1000);
    }

    private static void Unreadable(SourceReading reading, string why, params string[] signals)
    {
        foreach (var s in signals) reading.Unreadable[s] = why;
    }

    private async Task<(string Url, Snapshot? Snapshot, string? Error, bool Refused)> FetchAsync(string url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await HealthHttp.Client.GetAsync(url, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return (url, null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", false);
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return (url, Extract(ExpositionParser.Parse(text)), null, false);
        }
        catch (ExpositionFormatException ex)
        {
            return (url, null, "malformed exposition, " + ex.Message, false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return (url, null, HealthHttp.Describe(ex, _timeout), HealthHttp.IsRefused(ex));
        }
    }

    private Snapshot Extract(ParsedExposition exposition)
    {
        // A declared family without series yet (created on the first request) counts as zero requests, not as missing.
        var snapshot = new Snapshot { DeclaresRequests = exposition.Types.ContainsKey(_settings.RequestsMetric) };
        foreach (var s in exposition.Series(_settings.RequestsMetric))
            snapshot.Requests[s.SeriesKey()] = (s.Value, s.Label(_settings.StatusLabel));
        foreach (var s in exposition.Series(_settings.DurationMetric + "_bucket"))
        {
            var le = s.Label("le");
            if (le is null) continue;
            snapshot.Buckets[s.SeriesKey()] = (ParseBound(le), s.Value);
        }
        var memory = exposition.Series(_settings.MemoryMetric);
        if (memory.Count > 0) snapshot.Memory = memory.Sum(s => s.Value);
        foreach (var (signal, metric) in _settings.Gauges)
        {
            var series = exposition.Series(metric);
            if (series.Count > 0) snapshot.Gauges[signal] = series.Sum(s => s.Value);
        }
        if (exposition.Series(StartTimeMetric) is { Count: > 0 } start) snapshot.StartTime = start[0].Value;
        return snapshot;
    }

    private static double ParseBound(string le)
    {
        if (le is "+Inf" or "Inf" or "+inf") return double.PositiveInfinity;
        if (double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
        throw new ExpositionFormatException(0, 0, $"histogram bucket bound le=\"{le}\" is not a number");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Snapshot
    {
        public Dictionary<string, (double Value, string? Status)> Requests { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (double Le, double Value)> Buckets { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, double> Gauges { get; } = new(StringComparer.Ordinal);
        public double? Memory { get; set; }
        public double? StartTime { get; set; }
        public bool DeclaresRequests { get; init; }

        public bool WentDownFrom(Snapshot previous)
        {
            if (StartTime is { } start && previous.StartTime is { } before && start != before) return true;
            foreach (var (key, (value, _)) in Requests)
                if (previous.Requests.TryGetValue(key, out var p) && value < p.Value) return true;
            foreach (var (key, (_, value)) in Buckets)
                if (previous.Buckets.TryGetValue(key, out var p) && value < p.Value) return true;
            return false;
        }
    }

    private sealed class Window
    {
        public int Targets;
        public int Failed;
        public int Restarts;
        public bool RequestsSeen;
        public bool HistogramSeen;
        public double Requests;
        public double Errors;
        public Dictionary<double, double> Buckets { get; } = new();
        public double Memory;
        public bool MemorySeen;
        public bool MemoryComplete = true;
        public Dictionary<string, double> Gauges { get; } = new(StringComparer.Ordinal);
    }
}
