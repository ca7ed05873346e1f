namespace DeployOps.Engine.Backup;

/// <summary>
/// One table in Test-DeploymentBackup's verdict: the rows the backup's manifest counted when it was taken next to the
/// rows found after restoring it into the scratch database. A null count means the table was missing on that side.
/// </summary>
public sealed class TableRowCheck
{
    internal TableRowCheck(string table, long? backupRows, long? restoredRows)
    {
        Table = table;
        BackupRows = backupRows;
        RestoredRows = restoredRows;
    }

    /// <summary>schema.table</summary>
    public string Table { get; }
    /// <summary>Exact count in the manifest (the dump's snapshot); null when the manifest does not list the table.</summary>
    public long? BackupRows { get; }
    /// <summary>Exact count in the restored copy; null when the table is missing after the restore (or it never ran).</summary>
    public long? RestoredRows { get; }
    /// <summary>True when the table is in the manifest and the restored copy has exactly as many rows.</summary>
    public bool Matched => BackupRows is not null && BackupRows == RestoredRows;

    /// <summary>"table: N in backup, M restored", with MISMATCH when they differ.</summary>
    public override string ToString() => $"{Table}: {Show(BackupRows)} in backup, {Show(RestoredRows)} restored{(Matched ? "" : " MISMATCH")}";

    private static string Show(long? rows) => rows?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "missing";

    /// <summary>Every table of either side, by name; <paramref name="restored"/> null when no restore happened.</summary>
    internal static IReadOnlyList<TableRowCheck> Compare(IReadOnlyDictionary<string, long> backup, IReadOnlyDictionary<string, long>? restored) =>
        backup.Keys.Concat(restored?.Keys ?? Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal).OrderBy(t => t, StringComparer.Ordinal)
            .Select(t => new TableRowCheck(t, backup.TryGetValue(t, out var b) ? b : null,
                restored is not null && restored.TryGetValue(t, out var r) ? r : null))
            .ToList();
}
