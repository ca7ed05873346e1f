using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Backup;

/// <summary>pg_dump's output format (<c>backup.format</c>).</summary>
internal enum BackupDumpFormat
{
    /// <summary>pg_dump -Fd: one file per table, written and restored by several jobs at once (default).</summary>
    Directory,
    /// <summary>pg_dump -Fc: one file; pg_dump writes it with one process (pg_restore can still use -j).</summary>
    Custom,
}

/// <summary>
/// <c>backup.compression</c>: <c>auto | none | gzip[:1-9] | lz4[:1-12] | zstd[:1-22]</c>. lz4 and zstd need pg_dump 16 or
/// newer; <c>auto</c> picks lz4 there and gzip level 1 before (pg_dump's default gzip level 6 costs most of a dump's time).
/// </summary>
internal sealed partial record BackupCompression(string Method, int? Level)
{
    public const string Syntax = "auto, none, gzip[:1-9], lz4[:1-12] or zstd[:1-22]";
    /// <summary>First pg_dump major version with lz4/zstd (-Z method[:level]).</summary>
    public const int MethodsSinceMajor = 16;

    public static readonly BackupCompression Auto = new("auto", null);

    [GeneratedRegex(@"^(?<method>auto|none|gzip|lz4|zstd)(?::(?<level>\d{1,2}))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    /// <summary>Parses the setting; on failure returns null and says why (the value is named in the message).</summary>
    public static BackupCompression? Parse(string text, out string? error)
    {
        error = null;
        var m = Pattern().Match(text.Trim());
        if (!m.Success)
        {
            error = $"'{text}' is not a compression: use {Syntax}";
            return null;
        }
        var method = m.Groups["method"].Value.ToLowerInvariant();
        int? level = m.Groups["level"].Success ? int.Parse(m.Groups["level"].Value, CultureInfo.InvariantCulture) : null;
        var max = method switch { "gzip" => 9, "lz4" => 12, "zstd" => 22, _ => 0 };
        if (level is { } l && (max == 0 || l < 1 || l > max))
        {
            error = max == 0 ? $"'{text}': {method} takes no level; use {Syntax}" : $"'{text}': {method} level must be 1-{max}";
            return null;
        }
        return new BackupCompression(method, level);
    }

    /// <summary>A legacy <c>backup.compressLevel</c> N: gzip at that level (0 = none).</summary>
    public static BackupCompression FromLevel(int level) => level == 0 ? new("none", null) : new("gzip", level);

    /// <summary>
    /// The <c>--compress</c> value for a pg_dump of this major version (null: pg_dump's own default), or an error
    /// saying why this pg_dump cannot do it.
    /// </summary>
    public string? PgDumpArgument(int pgDumpMajor, out string? error)
    {
        error = null;
        var modern = pgDumpMajor >= MethodsSinceMajor;
        switch (Method)
        {
            case "auto": return modern ? "lz4" : "1";
            case "none": return "0";
            case "gzip":
                if (Level is null) return modern ? "gzip" : null;
                return modern ? $"gzip:{Level.Value.ToString(CultureInfo.InvariantCulture)}" : Level.Value.ToString(CultureInfo.InvariantCulture);
            default:
                if (!modern)
                {
                    error = $"{Method} compression needs pg_dump {MethodsSinceMajor} or newer, and this one is {pgDumpMajor}";
                    return null;
                }
                return Level is null ? Method : $"{Method}:{Level.Value.ToString(CultureInfo.InvariantCulture)}";
        }
    }

    public override string ToString() => Level is null ? Method : $"{Method}:{Level.Value.ToString(CultureInfo.InvariantCulture)}";

    [GeneratedRegex(@"\b(?<major>\d+)(?:\.\d+)*")]
    private static partial Regex VersionNumber();

    /// <summary>Major version in "pg_dump (PostgreSQL) 15.18 (Debian …)"; 0 when it cannot be read (treated as old).</summary>
    public static int MajorVersion(string? versionLine)
    {
        if (versionLine is null) return 0;
        var afterName = versionLine.Contains(')') ? versionLine[(versionLine.IndexOf(')') + 1)..] : versionLine;
        var m = VersionNumber().Match(afterName);
        return m.Success && int.TryParse(m.Groups["major"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;
    }
}
