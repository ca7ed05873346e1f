using System.Globalization;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Backup;

internal sealed partial class BackupManager
{
    /// <summary>
    /// Applies backup.retention to the backups of <paramref name="database"/>: keeps the newest keepLast and deletes
    /// those older than maxAge, dump and manifest together, one audit line each. Protected ids are never deleted.
    /// Returns the ids deleted.
    /// </summary>
    public IReadOnlyList<string> ApplyRetention(string database, IReadOnlySet<string> protect, string command, IOutputSink sink,
        DateTimeOffset? now = null)
    {
        if (_settings.KeepLast is null && _settings.MaxAge is null) return Array.Empty<string>();
        var at = now ?? DateTimeOffset.UtcNow;
        var backups = _store.List().Where(m => string.Equals(m.Database, database, StringComparison.Ordinal)).ToList();
        var deleted = new List<string>();
        for (var i = 0; i < backups.Count; i++)
        {
            var m = backups[i];
            string? why = null;
            if (_settings.KeepLast is { } keep && i >= keep) why = $"keepLast {keep.ToString(CultureInfo.InvariantCulture)}: {i + 1}th newest";
            else if (_settings.MaxAge is { } maxAge && at - m.Created > maxAge) why = $"maxAge {maxAge}: taken {m.Created:u}";
            if (why is null || protect.Contains(m.Id)) continue;
            try
            {
                _store.Delete(m);
                deleted.Add(m.Id);
                sink.WriteVerbose(_redactor.Redact($"Retention deleted backup {m.Id} ({why})"));
                Audit(command, "delete backup (retention)", m.Id, "Succeeded", new Dictionary<string, string> { ["reason"] = why, ["file"] = m.File }, null);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                sink.WriteWarning(_redactor.Redact($"Retention could not delete backup {m.Id}: {ex.Message}"));
                Audit(command, "delete backup (retention)", m.Id, "Failed", new Dictionary<string, string> { ["reason"] = why, ["error"] = ex.Message }, null);
            }
        }
        return deleted;
    }
}
