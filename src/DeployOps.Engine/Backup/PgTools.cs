using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Backup;

/// <summary>
/// Finds pg_dump/pg_restore: the configured path, else the newest /usr/lib/postgresql/N/bin (a client at least as
/// new as the server is what pg_dump needs), else PATH. Missing tools fail with the command that installs them.
/// </summary>
internal static class PgTools
{
    public const string InstallHint =
        "install the PostgreSQL client tools (Debian/Ubuntu: apt-get install -y postgresql-client; " +
        "RHEL/Fedora: dnf install -y postgresql; macOS: brew install libpq) or set backup.{0} to its path";

    internal static string VersionedRoot { get; set; } = "/usr/lib/postgresql";

    public static string Locate(string tool, string? configured, string settingKey)
    {
        if (configured is not null)
        {
            var found = Path.IsPathRooted(configured) ? (File.Exists(configured) ? configured : null) : OnPath(configured);
            return found ?? throw Missing(tool, settingKey, $"{tool} not found at the configured backup.{settingKey} '{configured}'");
        }
        return Newest(tool) ?? OnPath(tool)
            ?? throw Missing(tool, settingKey, $"{tool} not found on PATH nor in {VersionedRoot}/*/bin");
    }

    private static DeployOpsException Missing(string tool, string key, string what) =>
        new(ErrorIds.PgToolMissing, ErrorKind.ObjectNotFound, $"{what}: {string.Format(InstallHint, key)}.", tool);

    private static string? Newest(string tool)
    {
        if (!Directory.Exists(VersionedRoot)) return null;
        return Directory.GetDirectories(VersionedRoot)
            .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(x => x.Version >= 0)
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "bin", tool))
            .FirstOrDefault(File.Exists);
    }

    private static string? OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
