using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Comparison;

/// <summary>
/// Reads the comparative judge's configuration: <c>health.compare: baseline</c> switches the default comparison
/// rules on; a <c>rules[]</c> entry with <c>compare: baseline</c> (or named like a default comparison) tunes one or
/// adds one. Every error names the key's file and line.
/// </summary>
internal static class ComparisonPolicyReader
{
    public const string Baseline = "baseline";

    /// <summary>True for a rules[] entry that belongs to the judge rather than the threshold matrix.</summary>
    public static bool IsComparison(ConfigMap rule, string name) =>
        rule.Has("compare") || ComparisonRule.Defaults.Any(d => d.Name == name);

    public static IReadOnlyList<ComparisonRule> Read(ConfigMap health, IReadOnlyList<ConfigMap> ruleMaps, IReadOnlyList<HealthRule> matrix)
    {
        var rules = new List<ComparisonRule>();
        if (health.String("compare") is { } mode)
        {
            if (mode == Baseline) rules.AddRange(ComparisonRule.Defaults);
            else if (mode != "none") health.Error("compare", $"expected 'baseline' (canary against the stable version) or 'none', got '{mode}'");
        }
        foreach (var map in ruleMaps)
        {
            var name = map.String("name") ?? "";
            if (map.String("compare") is { } compare && compare != Baseline)
                map.Error("compare", $"expected 'baseline', got '{compare}'");
            if (matrix.Any(r => r.Name == name)) map.Error("name", $"'{name}' is already a threshold rule; give the comparison its own name");
            var index = rules.FindIndex(r => r.Name == name);
            var existing = index >= 0 ? rules[index] : ComparisonRule.Defaults.FirstOrDefault(d => d.Name == name);
            var signal = map.String("signal");
            if (existing is null && signal is null) map.Error("signal", "is required for a new comparison (errorRate, p50, p95 or p99)");
            var effectiveSignal = signal ?? existing?.Signal ?? HealthSignals.ErrorRate;
            if (!ComparisonRule.IsSupported(effectiveSignal))
            {
                map.Error("signal", $"'{effectiveSignal}' cannot be compared with the baseline (errorRate, p50, p95 or p99)");
                effectiveSignal = HealthSignals.ErrorRate;
            }
            var errorRate = effectiveSignal == HealthSignals.ErrorRate;
            var rule = (existing ?? new ComparisonRule(name, effectiveSignal, errorRate ? 0.5 : 50, errorRate ? 2 : 1.2, RuleSeverity.Investigate,
                ComparisonRule.DefaultWindow)).With(
                signal: effectiveSignal,
                allowedIncrease: Increase(map, errorRate),
                allowedRatio: Ratio(map),
                severity: map.OptionalEnum<RuleSeverity>("severity"),
                window: map.OptionalDuration("window"),
                confidence: Confidence(map),
                test: map.OptionalEnum<ProportionTest>("test"),
                minRequests: map.Has("minRequests") ? map.Int("minRequests", 0, 1) : null,
                trafficDropRatio: map.OptionalPercent("trafficDrop") is { } drop ? drop / 100 : null,
                @for: HealthPolicyReader.ReadDuration(map, "for"),
                enabled: map.Has("enabled") ? map.Bool("enabled", true) : null);
            map.Finish();
            if (index >= 0) rules[index] = rule;
            else rules.Add(rule);
        }
        return rules;
    }

    /// <summary><c>1%</c> (percentage points) for error rates, a duration (<c>50ms</c>) for latencies.</summary>
    private static double? Increase(ConfigMap map, bool errorRate)
    {
        var text = map.String("allowedIncrease");
        if (text is null) return null;
        if (errorRate && ValueParsers.TryParsePercent(text, out var points) && points >= 0) return points;
        if (!errorRate && ValueParsers.TryParseDuration(text, out var duration)) return duration.TotalMilliseconds;
        map.Error("allowedIncrease", errorRate
            ? $"expected percentage points like 0.5%, got '{text}'"
            : $"expected a duration like 50ms, got '{text}'");
        return null;
    }

    /// <summary>A factor: <c>2</c>, <c>2x</c>, or an increase in percent (<c>+20%</c> = 1.2).</summary>
    private static double? Ratio(ConfigMap map)
    {
        var text = map.String("allowedRatio");
        if (text is null) return null;
        var trimmed = text.Trim().TrimEnd('x', 'X', '×');
        if (text.Trim().StartsWith('+') && ValueParsers.TryParsePercent(text.Trim()[1..], out var increase)) return 1 + increase / 100;
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor >= 1) return factor;
        map.Error("allowedRatio", $"expected a factor of at least 1 like 2, 2x or +20%, got '{text}'");
        return null;
    }

    private static double? Confidence(ConfigMap map)
    {
        var text = map.String("confidence");
        if (text is null) return null;
        var value = ValueParsers.TryParsePercent(text, out var percent) ? percent / 100
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) ? fraction : double.NaN;
        if (value is > 0.5 and < 1) return value;
        map.Error("confidence", $"expected a confidence between 50% and 100% like 0.95 or 95%, got '{text}'");
        return null;
    }
}
