using DeployOps.Engine.Configuration;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.OnTarget;

/// <summary>
/// Reads a check's <c>targets:</c> (alias <c>on:</c>): target names, labels, or <c>'*'</c> for every target. Each
/// item must match at least one target, so a typo is an error at load time, never a check that silently ran nowhere.
/// </summary>
internal static class TargetSelector
{
    public const string Key = "targets";
    public const string Alias = "on";
    public const string Everything = "*";

    public static IReadOnlyList<SshTarget> Read(ConfigMap map, IReadOnlyDictionary<string, SshTarget> targets)
    {
        var key = map.Has(Key) ? Key : map.Has(Alias) ? Alias : null;
        if (key is null) return Array.Empty<SshTarget>();
        if (map.Has(Key) && map.Has(Alias))
        {
            map.Error(Alias, $"give either '{Key}' or '{Alias}', not both");
            return Array.Empty<SshTarget>();
        }
        var selectors = map.StringList(key);
        if (selectors.Count == 0) map.Error(key, "expected target names, labels or '*'");
        var selected = new List<SshTarget>();
        foreach (var selector in selectors)
        {
            var matches = Match(selector, targets);
            if (matches.Count == 0) map.Error(key, Unknown(selector, targets));
            selected.AddRange(matches.Where(t => !selected.Contains(t)));
        }
        return selected;
    }

    /// <summary>The targets one item selects (a name, a label or '*'); empty when it matches none.</summary>
    public static List<SshTarget> Match(string selector, IReadOnlyDictionary<string, SshTarget> targets) =>
        selector == Everything ? targets.Values.ToList()
        : targets.TryGetValue(selector, out var byName) ? new List<SshTarget> { byName }
        : targets.Values.Where(t => t.Labels.Contains(selector, StringComparer.Ordinal)).ToList();

    /// <summary>Why an item matches nothing, listing the targets and labels there are (also Invoke-Deployment -Target's error).</summary>
    public static string Unknown(string selector, IReadOnlyDictionary<string, SshTarget> targets)
    {
        if (targets.Count == 0) return $"'{selector}' names no target: the configuration has no 'targets:' section";
        var labels = targets.Values.SelectMany(t => t.Labels).Distinct().OrderBy(l => l, StringComparer.Ordinal);
        return $"'{selector}' is neither a target nor a label (targets: {string.Join(", ", targets.Keys.OrderBy(k => k, StringComparer.Ordinal))}; " +
            $"labels: {string.Join(", ", labels.DefaultIfEmpty("none"))})";
    }
}
