using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>
/// <c>health.prometheus:</c> signals as PromQL instant queries against a Prometheus server's HTTP API.
/// Each query maps to a signal; <c>{window}</c> in a query stands for the configured range window.
/// </summary>
internal sealed class PrometheusSettings
{
    public static readonly TimeSpan DefaultBaselineWindow = TimeSpan.FromMinutes(10);

    public PrometheusSettings(string url, TimeSpan window, IReadOnlyDictionary<string, string> queries, TimeSpan? baselineWindow = null)
    {
        Url = url.TrimEnd('/');
        Window = window;
        Queries = queries;
        BaselineWindow = baselineWindow ?? DefaultBaselineWindow;
    }

    /// <summary>
    /// Range of <c>{baselineWindow}</c>: the <c>requestRateBefore</c> query is evaluated at the deployment time over
    /// this window, the traffic the throughput-drop rule compares with.
    /// </summary>
    public TimeSpan BaselineWindow { get; }

    public string Url { get; }
    /// <summary>Range of <c>rate()</c>, <c>increase()</c> and <c>deriv()</c> in the default queries.</summary>
    public TimeSpan Window { get; }
    /// <summary>Signal name → PromQL (defaults merged with the configured ones).</summary>
    public IReadOnlyDictionary<string, string> Queries { get; }

    /// <summary>The query with <c>{window}</c> replaced by the window in Prometheus duration syntax.</summary>
    public string Expand(string query) => query.Replace("{window}", PromDuration(Window), StringComparison.Ordinal)
        .Replace("{baselineWindow}", PromDuration(BaselineWindow), StringComparison.Ordinal);

    /// <summary>The same settings with <paramref name="extra"/> signal queries added (custom rules' <c>query:</c>).</summary>
    internal PrometheusSettings WithQueries(IReadOnlyDictionary<string, string> extra) =>
        new(Url, Window, Queries.Concat(extra).GroupBy(q => q.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal), BaselineWindow);

    internal static string PromDuration(TimeSpan t) =>
        t.TotalMilliseconds % 1000 == 0 ? $"{(long)t.TotalSeconds}s" : $"{(long)t.TotalMilliseconds}ms";

    /// <summary>Queries computing the built-in signals from the same metrics the direct scrape reads.</summary>
    public static IReadOnlyDictionary<string, string> DefaultQueries(ScrapeSettings? names)
    {
        names ??= new ScrapeSettings(Array.Empty<string>());
        var requests = names.RequestsMetric;
        var errors = $"{requests}{{{names.StatusLabel}=~\"{names.StatusRegex()}\"}}";
        var buckets = names.DurationMetric + "_bucket";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [HealthSignals.Requests] = $"sum(increase({requests}[{{window}}]))",
            [HealthSignals.RequestRate] = $"sum(rate({requests}[{{window}}]))",
            [HealthSignals.RequestRateBefore] = $"sum(rate({requests}[{{baselineWindow}}]))",
            [HealthSignals.ErrorRate] = $"100 * (sum(rate({errors}[{{window}}])) or vector(0)) / sum(rate({requests}[{{window}}]))",
            [HealthSignals.P95] = $"1000 * histogram_quantile(0.95, sum by (le) (rate({buckets}[{{window}}])))",
            [HealthSignals.P99] = $"1000 * histogram_quantile(0.99, sum by (le) (rate({buckets}[{{window}}])))",
            [HealthSignals.Memory] = $"sum({names.MemoryMetric}) / 1048576",
            [HealthSignals.MemoryGrowth] = $"60 * sum(deriv({names.MemoryMetric}[{{window}}])) / 1048576",
        };
    }

    internal static PrometheusSettings? Read(ConfigMap? map, ScrapeSettings? names)
    {
        if (map is null) return null;
        var url = map.RequiredString("url");
        if (url.Length > 0 && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")))
            map.Error("url", $"expected an http(s) URL like http://127.0.0.1:9090, got '{url}'");
        var window = map.Duration("window", TimeSpan.FromMinutes(5));
        var baselineWindow = map.Duration("baselineWindow", DefaultBaselineWindow);
        var useDefaults = map.Bool("defaultQueries", true);
        var queries = useDefaults
            ? new Dictionary<string, string>(DefaultQueries(names), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (signal, query) in map.StringMap("queries"))
        {
            if (query.Trim().Length == 0) queries.Remove(signal); // an empty query switches a default off
            else queries[signal] = query;
        }
        map.Finish();
        return new PrometheusSettings(url, window, queries, baselineWindow);
    }
}
