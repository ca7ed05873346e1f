using DeployOps.Engine.Audit;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// Reads every configured source at once and merges their readings into one <see cref="HealthObservation"/>.
/// A source that throws something unexpected is reported as a source error, never as a crash of the watch.
/// </summary>
internal sealed class SignalCollector : IAsyncDisposable
{
    private readonly IReadOnlyList<ISignalSource> _sources;
    private readonly Redactor _redactor;

    public SignalCollector(IReadOnlyList<ISignalSource> sources, Redactor redactor)
    {
        _sources = sources;
        _redactor = redactor;
    }

    public IReadOnlyList<ISignalSource> Sources => _sources;

    /// <param name="versionTargets">The comparative judge's per-version /metrics URLs (null: <c>health.scrape.canary/baseline</c>).
    /// Only read when the policy has comparison rules.</param>
    public static SignalCollector For(HealthSettings settings, Redactor redactor, IReadOnlyList<string>? scrapeTargets = null,
        IReadOnlyList<string>? probes = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? versionTargets = null, bool compare = false,
        DateTimeOffset? deployedAt = null, TimeProvider? clock = null)
    {
        var sources = new List<ISignalSource>();
        var scrape = settings.Scrape;
        if (scrapeTargets is { Count: > 0 }) scrape = (scrape ?? new ScrapeSettings(scrapeTargets)).WithTargets(scrapeTargets);
        var versions = compare ? (versionTargets ?? scrape?.VersionTargets ?? new Dictionary<string, IReadOnlyList<string>>())
            .Where(v => v.Value.Count > 0).ToList() : new();
        // The canary's instances when they are the watch's own targets: one scrape reports both its plain and its canary signals.
        var own = versions.FirstOrDefault(v => scrape is not null && v.Value.OrderBy(t => t).SequenceEqual(scrape.Targets.OrderBy(t => t))).Key;
        if (scrape is { Targets.Count: > 0 }) sources.Add(new ScrapeSource(scrape, settings.Timeout, version: own));
        foreach (var (version, targets) in versions.Where(v => v.Key != own))
            sources.Add(new ScrapeSource((scrape ?? new ScrapeSettings(targets)).WithTargets(targets), settings.Timeout, version: version, versionOnly: true));
        if (settings.Prometheus is { } prometheus && scrapeTargets is not { Count: > 0 }) sources.Add(new PrometheusSource(prometheus, settings.Timeout, deployedAt));
        var probeUrls = probes ?? settings.Probes;
        if (probeUrls.Count > 0) sources.Add(new ProbeSource(probeUrls, settings.Timeout));
        if (settings.Database is { } database) sources.Add(new DatabaseSource(database, settings.Timeout));
        if (settings.Redis is { } redis) sources.Add(new RedisSource(redis, settings.Timeout));
        if (settings.WebSocket is { } webSocket) sources.Add(new WebSocketSource(webSocket));
        if (settings.Resources is { } resources) sources.Add(Resources.ResourceSources.Create(resources, clock ?? TimeProvider.System));
        if (settings.Logs.Count > 0) sources.Add(new DeployOps.Engine.Health.Logs.LogSource(settings.Logs));
        return new SignalCollector(sources, redactor);
    }

    public async Task PrimeAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_sources.Select(s => Guard(s, s.PrimeAsync, cancellationToken))).ConfigureAwait(false);

    public async Task<HealthObservation> CollectAsync(int sequence, DateTimeOffset time, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var readings = await Task.WhenAll(_sources.Select(s => Guard(s, s.ReadAsync, cancellationToken))).ConfigureAwait(false);
        var signals = new Dictionary<string, double>(StringComparer.Ordinal);
        var unreadable = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<string>();
        var notes = new List<string>();
        foreach (var reading in readings)
        {
            foreach (var (name, value) in reading.Signals)
            {
                // Scrape and probes may both see the same application refuse: the worst source counts, not the sum.
                if (name == HealthSignals.Refused && signals.TryGetValue(name, out var seen)) signals[name] = Math.Max(seen, value);
                else signals.TryAdd(name, value);
            }
            foreach (var (name, why) in reading.Unreadable)
                if (!signals.ContainsKey(name)) unreadable.TryAdd(name, _redactor.Redact(why));
            errors.AddRange(reading.Errors.Select(_redactor.Redact));
            notes.AddRange(reading.Notes.Select(_redactor.Redact));
        }
        foreach (var name in signals.Keys) unreadable.Remove(name);
        return new HealthObservation(sequence, time, elapsed, signals, unreadable, errors, notes);
    }

    private static async Task<SourceReading> Guard(ISignalSource source, Func<CancellationToken, Task<SourceReading>> read, CancellationToken ct)
    {
        try
        {
            return await read(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var reading = new SourceReading();
            reading.Errors.Add($"{source.Name}: {ex.GetType().Name}: {ex.Message}");
            return reading;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources) await source.DisposeAsync().ConfigureAwait(false);
    }
}
