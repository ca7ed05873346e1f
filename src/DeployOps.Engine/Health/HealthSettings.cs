using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Logs;
using DeployOps.Engine.Health.Resources;

namespace DeployOps.Engine.Health;

/// <summary>
/// The <c>health:</c> section of deployops.yaml: which signals to read (direct scrape of /metrics, a Prometheus
/// server, health endpoints, the database, Redis), and the decision policy (rules, timeline phases, evidence
/// requirements). Keys and defaults are documented in docs/health.md.
/// </summary>
internal sealed class HealthSettings
{
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private HealthSettings(HealthPolicy policy, TimeSpan duration, TimeSpan? interval, TimeSpan timeout, ScrapeSettings? scrape,
        PrometheusSettings? prometheus, IReadOnlyList<string> probes, PostgresSettings? database, RedisSettings? redis,
        IReadOnlyList<LogSettings>? logs = null, Signals.WebSocketSettings? webSocket = null, ResourceSettings? resources = null)
    {
        Resources = resources;
        WebSocket = webSocket;
        Logs = logs ?? Array.Empty<LogSettings>();
        Policy = policy;
        Duration = duration;
        Interval = interval;
        Timeout = timeout;
        Scrape = scrape;
        Prometheus = prometheus;
        Probes = probes;
        Database = database;
        Redis = redis;
    }

    public HealthPolicy Policy { get; }
    /// <summary>How long Watch-DeploymentHealth watches by default.</summary>
    public TimeSpan Duration { get; }
    /// <summary>A fixed sampling interval replacing the phases' intervals (null: follow the timeline).</summary>
    public TimeSpan? Interval { get; }
    /// <summary>Per scrape, query or probe.</summary>
    public TimeSpan Timeout { get; }
    public ScrapeSettings? Scrape { get; }
    public PrometheusSettings? Prometheus { get; }
    /// <summary>Health endpoint URLs probed every interval.</summary>
    public IReadOnlyList<string> Probes { get; }
    /// <summary>The database probed with SELECT 1 (null when not configured or disabled).</summary>
    public PostgresSettings? Database { get; }
    /// <summary>Redis probed with PING (null unless <c>redis: true</c>).</summary>
    public RedisSettings? Redis { get; }

    /// <summary>Application logs (files, commands) whose error lines are counted.</summary>
    public IReadOnlyList<LogSettings> Logs { get; }

    /// <summary>The WebSocket endpoint probed with a handshake and an echo every sample (null unless configured).</summary>
    public Signals.WebSocketSettings? WebSocket { get; }

    /// <summary>The processes or container whose CPU and memory are measured (null unless configured).</summary>
    public ResourceSettings? Resources { get; }

    public bool HasSignals => Scrape is not null || Prometheus is not null || Probes.Count > 0 || Database is not null || Redis is not null || Logs.Count > 0
        || WebSocket is not null || Resources is not null;

    /// <summary>Settings with nothing configured: the default policy and no signals.</summary>
    public static HealthSettings Empty { get; } = new(HealthPolicy.Default, DefaultDuration, null, DefaultTimeout, null, null,
        Array.Empty<string>(), null, null);

    internal static HealthSettings Read(ConfigMap? map, PostgresSettings? postgres, RedisSettings? redis,
        IReadOnlyDictionary<string, string> endpoints, string? baseDirectory = null)
    {
        if (map is null) return new(HealthPolicy.Default, DefaultDuration, null, DefaultTimeout, null, null, Array.Empty<string>(), postgres, null);
        var duration = map.Duration("duration", DefaultDuration);
        var interval = map.OptionalDuration("interval");
        var timeout = map.Duration("timeout", DefaultTimeout);
        var minRequests = map.Int("minRequests", HealthPolicy.DefaultMinRequests, 0);
        var maxSourceErrors = map.Int("maxSourceErrors", HealthPolicy.DefaultMaxSourceErrors, 1);
        int? minLatencyRequests = map.Has("minLatencyRequests") ? map.Int("minLatencyRequests", HealthPolicy.DefaultMinLatencyRequests, 0) : null;
        var scrape = ScrapeSettings.Read(map.Map("scrape"), endpoints);
        var prometheus = PrometheusSettings.Read(map.Map("prometheus"), scrape);
        var probes = ResolveUrls(map, "probes", endpoints, "/health");
        if (scrape is not null && prometheus is not null && scrape.Targets.Count > 0)
            map.Error("prometheus", "choose one metrics source: scrape.targets or prometheus (scrape: without targets only names the metrics)");
        if (scrape is not null && prometheus is null && scrape.Targets.Count == 0)
            map.Error("scrape", "scrape.targets is required: /metrics URLs or names under endpoints:");
        if (scrape is { Targets.Count: 0 }) scrape = prometheus is null ? scrape : null;

        var useDatabase = map.Bool("database", postgres is not null);
        if (useDatabase && postgres is null) map.Error("database", "database: true needs a top-level postgres section");
        var useRedis = map.Bool("redis", false);
        if (useRedis && redis is null) map.Error("redis", "redis: true needs a top-level redis section");

        var logs = LogSettings.Read(map, baseDirectory ?? Environment.CurrentDirectory);
        var webSocket = Signals.WebSocketSettings.Read(map.Map("websocket"), timeout);
        var resources = ResourceSettings.Read(map.Map("resources"), baseDirectory ?? Environment.CurrentDirectory);
        var comparisonMaps = new List<ConfigMap>();
        var custom = new CustomSignals();
        var rules = HealthPolicyReader.ReadRules(map, comparisonMaps, custom);
        custom.Validate(map, scrape, prometheus, Array.Empty<string>());
        if (custom.Queries.Count > 0 && prometheus is not null) prometheus = prometheus.WithQueries(custom.Queries);
        if (custom.Metrics.Count > 0 && scrape is not null) scrape = scrape.WithGauges(custom.Metrics);
        var byKind = comparisonMaps.ToLookup(m => m.String("kind") is { } kind ? kind : "");
        foreach (var other in byKind.Where(g => g.Key is not ("" or BurnRate.BurnRateReader.Kind)).SelectMany(g => g))
            other.Error("kind", $"unknown rule kind '{other.String("kind")}' (kinds: {BurnRate.BurnRateReader.Kind}; omit kind: for a threshold rule)");
        var comparisons = Comparison.ComparisonPolicyReader.Read(map, byKind[""].ToList(), rules);
        var burnRates = BurnRate.BurnRateReader.Read(byKind[BurnRate.BurnRateReader.Kind].ToList(), rules);
        var phases = HealthPolicyReader.ReadPhases(map, rules);
        map.Finish();
        var policy = new HealthPolicy(rules, phases, minRequests, maxSourceErrors, minLatencyRequests: minLatencyRequests,
            comparisons: comparisons, burnRates: burnRates);
        return new HealthSettings(policy, duration, interval, timeout, scrape, prometheus, probes,
            useDatabase ? postgres : null, useRedis ? redis : null, logs, webSocket, resources);
    }

    /// <summary>Entries that are URLs stay as they are; names of <c>endpoints:</c> get <paramref name="defaultPath"/> appended.</summary>
    internal static IReadOnlyList<string> ResolveUrls(ConfigMap map, string key, IReadOnlyDictionary<string, string> endpoints, string defaultPath)
    {
        var result = new List<string>();
        foreach (var entry in map.StringList(key))
        {
            if (Uri.TryCreate(entry, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")) result.Add(entry);
            else if (endpoints.TryGetValue(entry, out var baseUrl)) result.Add(baseUrl.TrimEnd('/') + defaultPath);
            else map.Error(key, $"'{entry}' is neither an http(s) URL nor a name under endpoints: ({string.Join(", ", endpoints.Keys)})");
        }
        return result;
    }
}
