using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.BurnRate;

/// <summary>Reads <c>rules[]</c> entries with <c>kind: burnRate</c>; every mistake names its file, line and key.</summary>
internal static class BurnRateReader
{
    public const string Kind = "burnRate";

    public static IReadOnlyList<BurnRateRule> Read(IReadOnlyList<ConfigMap> ruleMaps, IReadOnlyList<HealthRule> matrix)
    {
        var rules = new List<BurnRateRule>();
        foreach (var map in ruleMaps)
        {
            var name = map.String("name") ?? "";
            map.String("kind");
            if (matrix.Any(r => r.Name == name) || rules.Any(r => r.Name == name)) map.Error("name", $"duplicate rule '{name}'");
            var objective = Objective(map);
            var windows = new List<BurnWindow>();
            foreach (var w in map.MapList("windows"))
            {
                var @long = w.OptionalDuration("long");
                var @short = w.OptionalDuration("short");
                var factor = w.Number("burnRate", 0, 0.001);
                if (@long is null) w.Error("long", "is required: the long window, like 1h");
                if (@short is null) w.Error("short", "is required: the short window, like 5m");
                if (@long is { } l && @short is { } s && s >= l) w.Error("short", "must be shorter than the long window");
                if (!w.Has("burnRate")) w.Error("burnRate", "is required: the burn-rate factor, like 14.4");
                w.Finish();
                if (@long is { } lw && @short is { } sw && factor > 0) windows.Add(new BurnWindow(lw, sw, factor));
            }
            var severity = map.OptionalEnum<RuleSeverity>("severity") ?? RuleSeverity.Rollback;
            var enabled = map.Bool("enabled", true);
            map.Finish();
            if (objective is { } o) rules.Add(new BurnRateRule(name, o, windows.Count > 0 ? windows : BurnRateRule.DefaultWindows, severity, enabled));
        }
        return rules;
    }

    private static double? Objective(ConfigMap map)
    {
        var text = map.String("slo");
        if (text is null)
        {
            map.Error("slo", "is required: the objective, like 99.9%");
            return null;
        }
        if (ValueParsers.TryParsePercent(text, out var percent) && percent is > 0 and < 100) return percent;
        map.Error("slo", $"expected an objective between 0% and 100% like 99.9%, got '{text}'");
        return null;
    }
}
