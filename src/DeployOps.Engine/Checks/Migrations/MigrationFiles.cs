using System.Text.RegularExpressions;

namespace DeployOps.Engine.Checks.Migrations;

/// <summary>
/// The migrations on disk: files matching a pattern in one directory, each identified by its name without
/// extension or by the first capture group (or the group named <c>version</c>) of <c>idPattern</c>.
/// </summary>
internal sealed class MigrationFiles
{
    public MigrationFiles(string directory, string pattern, Regex? idPattern)
    {
        Directory = directory;
        Pattern = pattern;
        IdPattern = idPattern;
    }

    public string Directory { get; }
    public string Pattern { get; }
    public Regex? IdPattern { get; }

    /// <summary>File name → id, in name order; files the id pattern does not match come back as ignored.</summary>
    public (IReadOnlyList<(string File, string Id)> Migrations, IReadOnlyList<string> Ignored) List()
    {
        var migrations = new List<(string, string)>();
        var ignored = new List<string>();
        var names = System.IO.Directory.EnumerateFiles(Directory, Pattern, SearchOption.TopDirectoryOnly)
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var id = IdOf(name);
            if (id is null) ignored.Add(name);
            else migrations.Add((name, id));
        }
        return (migrations, ignored);
    }

    public string? IdOf(string fileName)
    {
        if (IdPattern is null) return Path.GetFileNameWithoutExtension(fileName);
        var match = IdPattern.Match(fileName);
        if (!match.Success) return null;
        var group = match.Groups["version"] is { Success: true } named ? named : match.Groups[1];
        return group.Success && group.Value.Length > 0 ? group.Value : null;
    }

    /// <summary>Compares ids as tools store them: numeric versions (golang-migrate's bigint) ignore leading zeros.</summary>
    public static string Normalize(string id)
    {
        var trimmed = id.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit))
        {
            var digits = trimmed.TrimStart('0');
            return digits.Length == 0 ? "0" : digits;
        }
        return trimmed;
    }
}
