using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using Npgsql;

namespace DeployOps.Engine.Backup;

internal sealed partial class BackupManager
{
    /// <summary>
    /// Proves a backup restorable: checks the dump's sha256, restores it into a scratch database (always dropped
    /// afterwards), compares exact row counts with the manifest and runs backup.verifyQuery. The verdict is stored in
    /// the manifest. Returns null when ShouldProcess declined; id null means the newest backup of the database.
    /// </summary>
    public async Task<BackupVerification?> VerifyAsync(string? id, IOutputSink sink, CancellationToken cancellationToken,
        string command = "Test-DeploymentBackup", string? deploymentId = null)
    {
        sink = ConfigBoundSink.For(sink, _config);
        var pg = RequirePostgres();
        var manifest = Resolve(id, pg.Database);
        if (!sink.ShouldProcess(pg.Display, $"Verify backup {manifest.Id} by restoring it into a scratch database"))
        {
            if (!sink.IsDryRun) Audit(command, "verify backup", manifest.Id, "Skipped", null, deploymentId);
            return null;
        }
        return await VerifyCoreAsync(manifest, command, deploymentId, sink, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BackupVerification> VerifyCoreAsync(BackupManifest manifest, string command, string? deploymentId,
        IOutputSink sink, CancellationToken ct)
    {
        var pg = RequirePostgres();
        var clock = Stopwatch.StartNew();
        var problems = new List<string>();
        string? queryResult = null;
        IReadOnlyDictionary<string, long>? restored = null;
        var restoreDuration = TimeSpan.Zero;
        var scratch = ScratchName("verify");
        var dumpPath = Path.Combine(_store.Directory, manifest.File);

        Progress(sink, $"Checking the sha256 of {manifest.File}", 5);
        var checksumOk = await ChecksumMatchesAsync(manifest, dumpPath, problems, ct).ConfigureAwait(false);
        if (checksumOk)
        {
            try
            {
                await WithScratchCopyAsync(manifest, scratch, command, deploymentId, sink, ErrorIds.BackupVerificationFailed, async copy =>
                {
                    restoreDuration = copy.RestoreDuration;
                    Progress(sink, "Comparing row counts with the manifest", 80);
                    await using var conn = await OpenAsync(copy.Credentials, copy.Database, ErrorIds.BackupVerificationFailed, ct).ConfigureAwait(false);
                    var actual = await PgCatalog.CountRowsAsync(conn, null, ct).ConfigureAwait(false);
                    restored = actual;
                    problems.AddRange(CompareCounts(manifest.Tables, actual, extraIsProblem: true));
                    if (_settings.VerifyQuery is { } query)
                    {
                        var (passed, detail) = await PgCatalog.RunVerifyQueryAsync(conn, query, ct).ConfigureAwait(false);
                        queryResult = detail;
                        if (!passed) problems.Add(detail);
                    }
                    return true;
                }, restore =>
                {
                    problems.Add($"pg_restore into the scratch database failed (exit {restore.ExitCode}): {PgDiagnostics.Summarize(restore.ErrorTail)}");
                    return false;
                }, ct).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                problems.Add($"scratch restore failed: {ex.MessageText}");
            }
        }

        var passedAll = problems.Count == 0;
        var now = DateTimeOffset.UtcNow;
        var safeProblems = problems.Select(_redactor.Redact).ToList();
        var verification = ConfigBinding.Bind(new BackupVerification(manifest.Id, passedAll, checksumOk, manifest.Tables.Count, safeProblems,
            queryResult is null ? null : _redactor.Redact(queryResult), clock.Elapsed, now, scratch)
        {
            Database = manifest.Database,
            BackupCreated = manifest.Created,
            Size = manifest.Size,
            RestoreDuration = restoreDuration,
            Tables = TableRowCheck.Compare(manifest.Tables, restored),
        }, _config.FilePath);
        RecordVerdict(manifest, verification);
        Audit(command, "verify backup", manifest.Id, passedAll ? "Succeeded" : "Failed",
            new Dictionary<string, string> { ["verified"] = passedAll ? "true" : "false", ["details"] = verification.Summary }, deploymentId);
        Progress(sink, "Done", 100, completed: true);
        return verification;
    }

    private async Task<bool> ChecksumMatchesAsync(BackupManifest manifest, string dumpPath, List<string> problems, CancellationToken ct)
    {
        var found = await DumpChecksum.ProblemsAsync(manifest, dumpPath, _settings.Jobs, ct).ConfigureAwait(false);
        problems.AddRange(found);
        return found.Count == 0;
    }

    private void RecordVerdict(BackupManifest manifest, BackupVerification verification)
    {
        // Re-read: another verification may have updated it meanwhile; the newest verdict wins.
        var current = _store.Find(manifest.Id) ?? manifest;
        current.Verified = verification.Passed;
        current.VerifiedAt = verification.VerifiedAt;
        current.VerifiedBy = OperatorIdentity.Current.ToString();
        current.VerificationDetails = verification.Summary;
        _store.Write(current);
    }

    private async Task DropScratchAsync(NpgsqlConnection maintenance, string scratch, string command, string? deploymentId, IOutputSink sink)
    {
        // Dropped even when the caller was cancelled: a scratch copy must never be left behind.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await PgCatalog.DropDatabaseAsync(maintenance, scratch, timeout.Token).ConfigureAwait(false);
            if (!sink.IsDryRun) Audit(command, "drop scratch database", scratch, "Succeeded", null, deploymentId);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            sink.WriteWarning(_redactor.Redact($"Could not drop the scratch database {scratch}: {ex.Message}; drop it by hand"));
            if (!sink.IsDryRun) Audit(command, "drop scratch database", scratch, "Failed", new Dictionary<string, string> { ["error"] = ex.Message }, deploymentId);
        }
    }

    /// <summary>Differences between the manifest's counts and a database's; tables only in the database count when asked.</summary>
    internal static List<string> CompareCounts(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual,
        bool extraIsProblem)
    {
        var problems = new List<string>();
        foreach (var (table, rows) in expected)
        {
            if (!actual.TryGetValue(table, out var found)) problems.Add($"{table}: in the backup ({rows.ToString(CultureInfo.InvariantCulture)} rows) but missing after restore");
            else if (found != rows) problems.Add($"{table}: backup has {rows.ToString(CultureInfo.InvariantCulture)} rows, restored copy has {found.ToString(CultureInfo.InvariantCulture)}");
        }
        if (extraIsProblem)
            foreach (var table in actual.Keys.Where(t => !expected.ContainsKey(t)))
                problems.Add($"{table}: present after restore but not in the backup's manifest");
        return problems;
    }
}
