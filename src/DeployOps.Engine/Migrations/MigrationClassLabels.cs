using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks.Migrations;

namespace DeployOps.Engine.Migrations;

/// <summary>The classification recorded with a deployment ("id:expand,id2:contract"), read back by Invoke-Rollback.</summary>
internal static class MigrationClassLabels
{
    /// <summary>Normalised id → class; empty when nothing was recorded. Unknown words are left out (never read as expand).</summary>
    public static IReadOnlyDictionary<string, MigrationClass> Parse(string? labels)
    {
        var result = new Dictionary<string, MigrationClass>(StringComparer.Ordinal);
        foreach (var label in (labels ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = label.LastIndexOf(':');
            if (colon <= 0) continue;
            if (Enum.TryParse<MigrationClass>(label[(colon + 1)..], ignoreCase: true, out var @class) && Enum.IsDefined(@class))
                result[MigrationFiles.Normalize(label[..colon])] = @class;
        }
        return result;
    }

    /// <summary>Every crossed migration was classified, and as expand.</summary>
    public static bool AllExpand(IReadOnlyDictionary<string, MigrationClass> classes, IEnumerable<string> crossed) =>
        crossed.All(id => classes.TryGetValue(MigrationFiles.Normalize(id), out var c) && c == MigrationClass.Expand);

    /// <summary>The refusal's explanation: which crossed migrations were classified contract, or that they were not classified.</summary>
    public static string Describe(IReadOnlyDictionary<string, MigrationClass> classes, IReadOnlyList<string> crossed)
    {
        if (classes.Count == 0) return "They were not classified before they ran (checks: kind migrations, classify: true). ";
        var contract = crossed.Where(id => classes.TryGetValue(MigrationFiles.Normalize(id), out var c) && c == MigrationClass.Contract).ToList();
        var unknown = crossed.Where(id => !classes.ContainsKey(MigrationFiles.Normalize(id))).ToList();
        return (contract.Count > 0 ? $"Classified contract on a scratch copy before they ran: {string.Join(", ", contract)}. " : "") +
               (unknown.Count > 0 ? $"Not classified: {string.Join(", ", unknown)}. " : "");
    }
}
