using System.Text.RegularExpressions;

namespace DeployOps.Engine.Backup;

/// <summary>The relations a dump defines, read from its table of contents (<c>pg_restore -l</c>).</summary>
internal static partial class DumpContents
{
    // "215; 1259 16386 TABLE public customers owner" — the kinds that define a relation, not their data or pieces.
    [GeneratedRegex(@"^\d+;\s+\d+\s+\d+\s+(?<kind>TABLE(?! DATA| ATTACH)|VIEW|MATERIALIZED VIEW(?! DATA)|SEQUENCE(?! SET| OWNED BY)|FOREIGN TABLE)\s+(?<schema>\S+)\s+(?<name>.+)\s+\S+$")]
    private static partial Regex RelationEntry();

    public static HashSet<(string Schema, string Name)> Relations(IEnumerable<string> tocLines)
    {
        var result = new HashSet<(string Schema, string Name)>();
        foreach (var line in tocLines)
        {
            var m = RelationEntry().Match(line.TrimEnd());
            if (m.Success) result.Add((m.Groups["schema"].Value, m.Groups["name"].Value));
        }
        return result;
    }

    public static async Task<HashSet<(string Schema, string Name)>> ReadAsync(string pgRestore, string dumpPath, CancellationToken ct)
    {
        var lines = new List<string>();
        var result = await PgProcess.RunAsync(pgRestore, new[] { "--list", dumpPath }, new Dictionary<string, string?>(),
            line => { lock (lines) lines.Add(line); }, ct).ConfigureAwait(false);
        if (!result.Succeeded) throw new InvalidOperationException($"pg_restore --list {dumpPath} failed (exit {result.ExitCode}): {result.ErrorText}");
        lock (lines) return Relations(lines);
    }
}
