using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Health;

/// <summary><c>health.scrape:</c> direct scrapes of Prometheus text exposition, with the metric and label names to read.</summary>
internal sealed class ScrapeSettings
{
    public ScrapeSettings(IReadOnlyList<string> targets, string requestsMetric = "http_requests_total", string statusLabel = "status",
        IReadOnlyList<string>? errorStatuses = null, string durationMetric = "http_request_duration_seconds",
        string memoryMetric = "process_resident_memory_bytes", TimeSpan? memoryGrowthWindow = null,
        IReadOnlyDictionary<string, string>? gauges = null)
    {
        Targets = targets;
        RequestsMetric = requestsMetric;
        StatusLabel = statusLabel;
        ErrorStatuses = errorStatuses ?? new[] { "5xx" };
        DurationMetric = durationMetric;
        MemoryMetric = memoryMetric;
        MemoryGrowthWindow = memoryGrowthWindow ?? TimeSpan.FromMinutes(5);
        Gauges = gauges ?? new Dictionary<string, string>();
    }

    /// <summary>URLs of /metrics endpoints.</summary>
    public IReadOnlyList<string> Targets { get; }
    /// <summary>Counter of requests, labelled by status.</summary>
    public string RequestsMetric { get; }
    public string StatusLabel { get; }
    /// <summary>Status values counted as errors: classes like <c>5xx</c> or exact codes like <c>429</c>.</summary>
    public IReadOnlyList<string> ErrorStatuses { get; }
    /// <summary>Histogram (base name, without _bucket) of request durations in seconds.</summary>
    public string DurationMetric { get; }
    /// <summary>Gauge of resident memory in bytes.</summary>
    public string MemoryMetric { get; }
    /// <summary>Memory growth is the least-squares slope over this trailing window.</summary>
    public TimeSpan MemoryGrowthWindow { get; }
    /// <summary>Extra signals: signal name → gauge metric name (summed over series and targets).</summary>
    public IReadOnlyDictionary<string, string> Gauges { get; }
    /// <summary>The comparative judge's scrapes: version (<c>canary</c>, <c>baseline</c>) → that version's /metrics URLs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> VersionTargets { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>
    /// The request rate before the deployment (req/s) the throughput-drop rule compares with: a direct scrape starts
    /// counting at the watch and cannot look back, so it is given here (a Prometheus source queries it instead).
    /// </summary>
    public double? RequestRateBefore { get; init; }

    public bool IsError(string? status)
    {
        if (string.IsNullOrEmpty(status)) return false;
        foreach (var pattern in ErrorStatuses)
        {
            if (pattern.Length == status.Length && Matches(pattern, status)) return true;
        }
        return false;
    }

    private static bool Matches(string pattern, string status)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var p = char.ToLowerInvariant(pattern[i]);
            if (p != 'x' && p != char.ToLowerInvariant(status[i])) return false;
        }
        return true;
    }

    /// <summary>A PromQL regular expression matching the same statuses (<c>5xx</c> → <c>5..</c>).</summary>
    public string StatusRegex() => string.Join("|", ErrorStatuses.Select(p => p.Replace('x', '.').Replace('X', '.')));

    internal ScrapeSettings WithTargets(IReadOnlyList<string> targets) =>
        new(targets, RequestsMetric, StatusLabel, ErrorStatuses, DurationMetric, MemoryMetric, MemoryGrowthWindow, Gauges) { VersionTargets = VersionTargets, RequestRateBefore = RequestRateBefore };

    /// <summary>The same settings with <paramref name="extra"/> gauges added (custom rules' <c>metric:</c>).</summary>
    internal ScrapeSettings WithGauges(IReadOnlyDictionary<string, string> extra) =>
        new(Targets, RequestsMetric, StatusLabel, ErrorStatuses, DurationMetric, MemoryMetric, MemoryGrowthWindow,
            Gauges.Concat(extra).GroupBy(g => g.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal))
        { VersionTargets = VersionTargets, RequestRateBefore = RequestRateBefore };

    internal static ScrapeSettings? Read(ConfigMap? map, IReadOnlyDictionary<string, string> endpoints)
    {
        if (map is null) return null;
        var targets = HealthSettings.ResolveUrls(map, "targets", endpoints, "/metrics");
        var settings = new ScrapeSettings(targets,
            map.String("requestsMetric", "http_requests_total"),
            map.String("statusLabel", "status"),
            map.Has("errorStatuses") ? map.StringList("errorStatuses") : null,
            map.String("durationMetric", "http_request_duration_seconds"),
            map.String("memoryMetric", "process_resident_memory_bytes"),
            map.Duration("memoryGrowthWindow", TimeSpan.FromMinutes(5)),
            map.StringMap("gauges"))
        {
            VersionTargets = new Dictionary<string, IReadOnlyList<string>>
            {
                [Comparison.ComparisonRule.CanaryVersion] = HealthSettings.ResolveUrls(map, "canary", endpoints, "/metrics"),
                [Comparison.ComparisonRule.BaselineVersion] = HealthSettings.ResolveUrls(map, "baseline", endpoints, "/metrics"),
            },
            RequestRateBefore = map.Has("requestRateBefore") ? map.Number("requestRateBefore", 0, min: 0) : null,
        };
        foreach (var status in settings.ErrorStatuses)
        {
            if (status.Length == 0 || !status.All(c => char.IsDigit(c) || c is 'x' or 'X'))
                map.Error("errorStatuses", $"'{status}' is not a status code or class like 5xx");
        }
        map.Finish();
        return settings;
    }
}
