namespace DeployOps.Engine.Backup;

/// <summary>
/// One pending migration applied to a scratch copy of the database restored from a verified backup: how long it took
/// there and whether it is expand or contract, with the catalog changes that made it so.
/// </summary>
public sealed class MigrationClassification
{
    internal MigrationClassification(string id, string file, MigrationClass @class, IReadOnlyList<SchemaChange> changes,
        TimeSpan duration, string backupId)
    {
        Id = id;
        File = file;
        Class = @class;
        Changes = changes;
        Duration = duration;
        BackupId = backupId;
    }

    /// <summary>The migration's id (as the migrations table records it).</summary>
    public string Id { get; }
    /// <summary>The migration file, relative to the migrations directory.</summary>
    public string File { get; }
    /// <summary>Contract when any change is contract; Expand otherwise (also when the catalog did not change).</summary>
    public MigrationClass Class { get; }
    /// <summary>Every catalog difference the migration made, in a stable order.</summary>
    public IReadOnlyList<SchemaChange> Changes { get; }
    /// <summary>The changes that made it a contract migration (empty for expand).</summary>
    public IReadOnlyList<SchemaChange> Reasons => Changes.Where(c => c.Class == MigrationClass.Contract).ToList();
    /// <summary>How long the migration took on the copy (a copy of production data, so a fair estimate).</summary>
    public TimeSpan Duration { get; }
    /// <summary>The verified backup the scratch copy was restored from.</summary>
    public string BackupId { get; }

    /// <summary>"id:expand" — the form recorded with the deployment.</summary>
    public string Label => $"{Id}:{Class.ToString().ToLowerInvariant()}";

    /// <summary>"file: class (why), duration on a copy of backup": the classification in one line.</summary>
    public override string ToString()
    {
        var why = Class == MigrationClass.Contract
            ? string.Join("; ", Reasons.Select(r => $"{r.ObjectKind} {r.Name} {r.Change}"))
            : Changes.Count == 0 ? "no catalog change" : $"{Changes.Count} additive change(s)";
        return $"{File}: {Class.ToString().ToLowerInvariant()} ({why}), {Duration.TotalMilliseconds:0} ms on a copy of {BackupId}";
    }
}
