using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health;

/// <summary>
/// Reads <c>health.rules</c> and <c>health.phases</c>. A rule named like a default changes only the keys it gives
/// (or switches it off with <c>enabled: false</c>); other names add rules. Phases, when given, replace the
/// default timeline.
/// </summary>
internal static class HealthPolicyReader
{
    /// <param name="comparisons">Receives the entries of other kinds: comparison rules (Comparison/ComparisonPolicyReader) and
    /// <c>kind:</c> rules such as burnRate (BurnRate/BurnRateReader).</param>
    /// <param name="custom">Receives the signals of rules with <c>query:</c>/<c>metric:</c> and every configured rule's
    /// signal, validated once the sources are known.</param>
    public static IReadOnlyList<HealthRule> ReadRules(ConfigMap health, List<ConfigMap>? comparisons = null, CustomSignals? custom = null)
    {
        var rules = HealthPolicy.DefaultRules.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var map in health.MapList("rules"))
        {
            var name = map.RequiredString("name");
            if (name.Length == 0) { map.Finish(); continue; }
            if (comparisons is not null && (map.Has("kind") || Comparison.ComparisonPolicyReader.IsComparison(map, name))) { comparisons.Add(map); continue; }
            if (!seen.Add(name)) map.Error("name", $"duplicate rule '{name}'");
            var index = rules.FindIndex(r => r.Name == name);
            var existing = index >= 0 ? rules[index] : null;
            var ownSignal = existing is null ? custom?.Read(map, name) : null;
            var signal = ownSignal ?? (existing is null ? map.RequiredString("signal") : map.String("signal"));
            var effectiveSignal = signal ?? existing?.Signal ?? "";
            if (signal is { Length: > 0 }) custom?.Uses(map, signal);
            var comparison = map.OptionalEnum<RuleComparison>("comparison");
            var threshold = ReadThreshold(map, "threshold", effectiveSignal);
            if (existing is null && threshold is null && !map.Has("threshold")) map.Error("threshold", "is required for a new rule");
            var @for = ReadDuration(map, "for");
            var severity = map.OptionalEnum<RuleSeverity>("severity");
            bool? enabled = map.Has("enabled") ? map.Bool("enabled", true) : null;
            var forMode = map.OptionalEnum<ForMode>("forMode");
            map.Finish();
            var rule = existing?.With(signal, comparison, threshold, @for, severity, enabled, forMode)
                ?? new HealthRule(name, effectiveSignal, comparison ?? RuleComparison.Above, threshold ?? 0, @for ?? TimeSpan.Zero,
                    severity ?? RuleSeverity.Investigate, enabled ?? true, forMode ?? ForMode.All);
            if (index >= 0) rules[index] = rule;
            else rules.Add(rule);
        }
        return rules;
    }

    public static IReadOnlyList<HealthPhase> ReadPhases(ConfigMap health, IReadOnlyList<HealthRule> rules)
    {
        var maps = health.MapList("phases");
        if (maps.Count == 0) return HealthPolicy.DefaultPhases;
        var phases = new List<HealthPhase>();
        foreach (var map in maps)
        {
            var name = map.RequiredString("name");
            var from = ReadDuration(map, "from") ?? TimeSpan.Zero;
            var interval = map.Duration("interval", TimeSpan.FromMinutes(1));
            var thresholds = new Dictionary<string, double>(StringComparer.Ordinal);
            if (map.Map("thresholds") is { } thresholdMap)
            {
                foreach (var ruleName in thresholdMap.Keys.ToList())
                {
                    var rule = rules.FirstOrDefault(r => r.Name == ruleName);
                    if (rule is null)
                    {
                        thresholdMap.Node(ruleName);
                        thresholdMap.Error(ruleName, $"no rule named '{ruleName}' (rules: {string.Join(", ", rules.Select(r => r.Name))})");
                        continue;
                    }
                    if (ReadThreshold(thresholdMap, ruleName, rule.Signal) is { } t) thresholds[ruleName] = t;
                }
                thresholdMap.Finish();
            }
            map.Finish();
            phases.Add(new HealthPhase(name, from, interval, thresholds));
        }
        if (phases.All(p => p.From > TimeSpan.Zero)) health.Error("phases", "one phase must start at from: 0s");
        foreach (var duplicate in phases.GroupBy(p => p.From).Where(g => g.Count() > 1))
            health.Error("phases", $"phases {string.Join(", ", duplicate.Select(p => p.Name))} start at the same time");
        return phases;
    }

    /// <summary>
    /// A threshold in the signal's unit: <c>5%</c> for rates, a duration (<c>2s</c>, <c>100ms</c>) for latencies
    /// (stored in milliseconds), or a plain number.
    /// </summary>
    public static double? ReadThreshold(ConfigMap map, string key, string signal)
    {
        var text = map.String(key);
        if (text is null) return null;
        var unit = SignalUnits.UnitOf(signal);
        if (ValueParsers.TryParsePercent(text, out var percent))
        {
            if (unit == SignalUnits.Unit.Percent || unit == SignalUnits.Unit.Number) return percent;
            map.Error(key, $"signal '{signal}' is not a percentage; write a {Describe(unit)}");
            return null;
        }
        if (ValueParsers.TryParseDuration(text, out var duration))
        {
            if (unit == SignalUnits.Unit.Milliseconds) return duration.TotalMilliseconds;
            map.Error(key, $"signal '{signal}' is not a latency; write a {Describe(unit)}");
            return null;
        }
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number))
            return number;
        map.Error(key, $"expected a {Describe(unit)}, got '{text}'");
        return null;
    }

    /// <summary>A duration that may be zero (<c>0s</c>), unlike ConfigMap.Duration.</summary>
    public static TimeSpan? ReadDuration(ConfigMap map, string key)
    {
        var text = map.String(key);
        if (text is null) return null;
        if (ValueParsers.TryParseDuration(text, out var value)) return value;
        map.Error(key, $"expected a duration like 0s, 30s, 5m, got '{text}'");
        return null;
    }

    private static string Describe(SignalUnits.Unit unit) => unit switch
    {
        SignalUnits.Unit.Percent => "percentage like 5%",
        SignalUnits.Unit.Milliseconds => "duration like 2s or 100ms",
        SignalUnits.Unit.MegabytesPerMinute => "number of MB per minute like 100",
        SignalUnits.Unit.Megabytes => "number of MB like 512",
        _ => "number",
    };
}
