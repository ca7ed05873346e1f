using DeployOps.Engine.Configuration;

namespace DeployOps.Completion;

/// <summary>Target names, then labels, of targets: (Invoke-Deployment -Target: a hotfix on named hosts).</summary>
public sealed class TargetCompleter : ConfigCompleter
{
    internal override IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName)
    {
        var targets = config.Targets.Values.ToList();
        var names = targets.Select(t => (t.Name, (string?)(t.Labels.Count > 0 ? $"{t} [{string.Join(", ", t.Labels)}]" : t.ToString())));
        var labels = targets.SelectMany(t => t.Labels).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(l => (l, (string?)$"label {l}: {string.Join(", ", targets.Where(t => t.Labels.Contains(l)).Select(t => t.Name))}"));
        return names.Concat(labels);
    }
}
