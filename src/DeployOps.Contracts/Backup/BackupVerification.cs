namespace DeployOps.Engine.Backup;

/// <summary>The verdict of Test-DeploymentBackup: the dump restored into a scratch database and matched its manifest.</summary>
public sealed class BackupVerification
{
    internal BackupVerification(string backupId, bool passed, bool checksumMatched, int tablesCompared,
        IReadOnlyList<string> problems, string? queryResult, TimeSpan duration, DateTimeOffset verifiedAt, string scratchDatabase)
    {
        BackupId = backupId;
        Passed = passed;
        ChecksumMatched = checksumMatched;
        TablesCompared = tablesCompared;
        Problems = problems;
        QueryResult = queryResult;
        Duration = duration;
        VerifiedAt = verifiedAt;
        ScratchDatabase = scratchDatabase;
    }

    /// <summary>The id of the backup that was verified.</summary>
    public string BackupId { get; }
    /// <summary>True when the dump's checksum matched, it restored, every table's row count matched the manifest and
    /// the verification query (if any) succeeded.</summary>
    public bool Passed { get; }
    /// <summary>True when the dump's SHA-256 still equals the one recorded when it was taken (false: the dump is
    /// corrupt or was changed).</summary>
    public bool ChecksumMatched { get; }
    /// <summary>How many tables of the manifest were compared with the restored copy.</summary>
    public int TablesCompared { get; }
    /// <summary>Every difference found (empty when passed).</summary>
    public IReadOnlyList<string> Problems { get; }
    /// <summary>What the verification query returned (null when none is configured).</summary>
    public string? QueryResult { get; }
    /// <summary>How long the whole verification took (checksum, restore, comparison, dropping the scratch
    /// database).</summary>
    public TimeSpan Duration { get; }
    /// <summary>When the verification finished.</summary>
    public DateTimeOffset VerifiedAt { get; }
    /// <summary>The scratch database it was restored into (already dropped).</summary>
    public string ScratchDatabase { get; }
    /// <summary>Passed or Failed (the verdict in a word, as Test-DbaLastBackup's RestoreResult).</summary>
    public string Result => Passed ? "Passed" : "Failed";
    /// <summary>The database the backup was taken of.</summary>
    public string Database { get; internal init; } = "";
    /// <summary>When the backup was taken.</summary>
    public DateTimeOffset BackupCreated { get; internal init; }
    /// <summary>How old the backup was when it was verified.</summary>
    public TimeSpan BackupAge => VerifiedAt - BackupCreated;
    /// <summary>Size of the dump in bytes.</summary>
    public long Size { get; internal init; }
    /// <summary>How long pg_restore took to restore it into the scratch database (zero when it never ran).</summary>
    public TimeSpan RestoreDuration { get; internal init; }
    /// <summary>Per table: rows in the backup's manifest next to rows found in the restored copy.</summary>
    public IReadOnlyList<TableRowCheck> Tables { get; internal init; } = Array.Empty<TableRowCheck>();
    /// <summary>Total rows found in the restored copy (tables missing there count as 0).</summary>
    public long RestoredRows => Tables.Sum(t => t.RestoredRows ?? 0);
    /// <summary>One line for the prompt: the tables matched (and the query's result) when passed, every problem when
    /// failed.</summary>
    public string Summary => Passed
        ? $"restored and matched {TablesCompared} table(s)" + (QueryResult is null ? "" : $"; {QueryResult}")
        : string.Join("; ", Problems);

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }
}
