using System.Reflection;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>
/// The signals a rule may name, and the ones custom rules bring themselves: a rule with <c>query:</c> (PromQL, needs
/// <c>prometheus:</c>) or <c>metric:</c> (a scraped gauge, needs <c>scrape.targets</c>) reads its own signal, named
/// like the rule unless <c>signal:</c> says otherwise. A rule on a signal no source provides is a configuration
/// error at its line, not a rule that silently never applies.
/// </summary>
internal sealed class CustomSignals
{
    private static readonly IReadOnlyList<string> BuiltIn = typeof(HealthSignals)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    private readonly List<(ConfigMap Map, string Signal)> _ruleSignals = new();

    /// <summary>Signal → PromQL of rules with <c>query:</c>.</summary>
    public Dictionary<string, string> Queries { get; } = new(StringComparer.Ordinal);
    /// <summary>Signal → metric name of rules with <c>metric:</c>.</summary>
    public Dictionary<string, string> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads <c>query:</c>/<c>metric:</c> of a new rule; returns the signal they define (null: neither given).</summary>
    public string? Read(ConfigMap map, string name)
    {
        var query = map.String("query");
        var metric = map.String("metric");
        if (query is null && metric is null) return null;
        if (query is not null && metric is not null) { map.Error("metric", "give query: (PromQL) or metric: (a scraped gauge), not both"); return null; }
        var signal = map.String("signal") ?? name;
        if (Queries.ContainsKey(signal) || Metrics.ContainsKey(signal)) map.Error("signal", $"signal '{signal}' is already defined by another rule's query:/metric:");
        if (query is { Length: 0 } || metric is { Length: 0 }) map.Error(query is not null ? "query" : "metric", "must not be empty");
        if (query is not null) Queries[signal] = query;
        else Metrics[signal] = metric!;
        return signal;
    }

    /// <summary>Remembers a configured rule's signal for <see cref="Validate"/>.</summary>
    public void Uses(ConfigMap map, string signal) => _ruleSignals.Add((map, signal));

    /// <summary>Reports every configured rule whose signal no source provides, and custom signals without their source.</summary>
    public void Validate(ConfigMap health, ScrapeSettings? scrape, PrometheusSettings? prometheus, IEnumerable<string> otherSignals)
    {
        if (Queries.Count > 0 && prometheus is null)
            health.Error("rules", $"rules with query: ({string.Join(", ", Queries.Keys)}) need a prometheus: source");
        if (Metrics.Count > 0 && scrape is not { Targets.Count: > 0 })
            health.Error("rules", $"rules with metric: ({string.Join(", ", Metrics.Keys)}) need scrape.targets");
        var known = new HashSet<string>(BuiltIn, StringComparer.Ordinal);
        known.UnionWith(otherSignals);
        known.UnionWith(Queries.Keys);
        known.UnionWith(Metrics.Keys);
        if (scrape is not null) known.UnionWith(scrape.Gauges.Keys);
        if (prometheus is not null) known.UnionWith(prometheus.Queries.Keys);
        foreach (var (map, signal) in _ruleSignals.Where(r => !known.Contains(r.Signal)))
            map.Error("signal", $"no source provides signal '{signal}': add a query: (PromQL) or metric: (scraped gauge) to the rule, " +
                $"name it under scrape.gauges or prometheus.queries, or use a built-in signal ({string.Join(", ", BuiltIn)})");
    }
}
