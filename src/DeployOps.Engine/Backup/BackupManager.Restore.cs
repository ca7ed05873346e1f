using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using Npgsql;

namespace DeployOps.Engine.Backup;

internal sealed partial class BackupManager
{
    /// <summary>A restore step failed; the message states what the database is like now.</summary>
    private sealed class RestoreAbortedException(string message, bool databaseUnchanged) : Exception(message)
    {
        public bool DatabaseUnchanged { get; } = databaseUnchanged;
    }

    /// <summary>
    /// Replaces the configured database with a backup: checks its sha256, takes a safety backup of the current
    /// database (unless NoSafetyBackup), runs stopApp, terminates remaining connections, restores (clean: one
    /// pg_restore transaction; swap: a fresh database verified then renamed into place), verifies row counts against
    /// the manifest and runs startApp. Any failure throws RestoreFailed saying exactly what state the database is in.
    /// Returns null when ShouldProcess declined.
    /// </summary>
    public async Task<DatabaseRestoreResult?> RestoreAsync(RestoreOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, _config);
        var pg = RequirePostgres();
        var manifest = Resolve(options.Id, pg.Database, excludeSafetyBackups: true);
        var pgRestore = PgTools.Locate("pg_restore", _settings.PgRestore, "pgRestore");
        var pgDump = options.NoSafetyBackup ? null : PgTools.Locate("pg_dump", _settings.PgDump, "pgDump");
        var mode = options.Mode ?? _settings.RestoreMode;
        var target = pg.Database;
        var (cmd, dep) = (options.Command, options.DeploymentId);
        if (!sink.ShouldProcess(pg.Display,
                $"Replace ALL data of database '{target}' with backup {manifest.Id} taken {manifest.Created:u} ({mode.ToString().ToLowerInvariant()} restore)"))
        {
            if (!sink.IsDryRun) Audit(cmd, "restore database", pg.Display, "Skipped", new Dictionary<string, string> { ["backupId"] = manifest.Id }, dep);
            return null;
        }

        var clock = Stopwatch.StartNew();
        var details = new Dictionary<string, string> { ["backupId"] = manifest.Id, ["mode"] = mode.ToString() };
        Audit(cmd, "restore database", pg.Display, "Started", details, dep);
        if (!string.Equals(manifest.Database, target, StringComparison.Ordinal))
            sink.WriteWarning(_redactor.Redact($"Backup {manifest.Id} was taken from database '{manifest.Database}'; restoring it into '{target}'"));

        Progress(sink, $"Checking the sha256 of {manifest.File}", 2);
        var problems = new List<string>();
        if (!await ChecksumMatchesAsync(manifest, Path.Combine(_store.Directory, manifest.File), problems, cancellationToken).ConfigureAwait(false))
            throw RestoreFailure(ErrorIds.BackupCorrupt, $"Refusing to restore backup {manifest.Id}: {string.Join("; ", problems)}. Nothing was done: database {target} is unchanged.", pg, details, cmd, dep);

        string? safetyId = null;
        if (pgDump is not null)
        {
            Progress(sink, $"Taking a safety backup of {target} before replacing it", 5);
            try
            {
                var safety = await DumpAsync(pg, pgDump, new BackupOptions { Reason = $"{SafetyReasonPrefix} of {manifest.Id}", Command = cmd, DeploymentId = dep },
                    sink, cancellationToken).ConfigureAwait(false);
                safetyId = safety.Id;
                details["safetyBackupId"] = safetyId;
            }
            catch (DeployOpsException ex)
            {
                throw RestoreFailure(ErrorIds.RestoreFailed, $"The pre-restore safety backup failed, so nothing was restored: database {target} is unchanged. {ex.Message}", pg, details, cmd, dep, ex);
            }
        }
        var safetyNote = safetyId is null ? "no pre-restore safety backup was taken (-NoSafetyBackup)" : $"the pre-restore safety backup is {safetyId}";

        var appStopped = false;
        if (!options.SkipAppCommands && _settings.StopApp.Count > 0)
        {
            Progress(sink, "Stopping the application (stopApp)", 30);
            if (await RunAppCommandsAsync(_settings.StopApp, "stopApp", cmd, dep, sink, cancellationToken).ConfigureAwait(false) is { } stopFailure)
            {
                var restart = await RunAppCommandsAsync(_settings.StartApp, "startApp", cmd, dep, sink, cancellationToken).ConfigureAwait(false);
                throw RestoreFailure(ErrorIds.AppCommandFailed,
                    $"{stopFailure}. Nothing was restored: database {target} is unchanged; " +
                    (restart is null ? "startApp was run to bring the application back." : $"startApp also failed ({restart}): the application may be down."),
                    pg, details, cmd, dep);
            }
            appStopped = true;
        }

        using var credentials = new PgCredentials(pg);
        int terminated = 0;
        var replaced = false; // from here on the database holds the backup's data
        string? previous = null;
        int verifiedTables;
        IReadOnlyList<string> extra;
        string? head;
        try
        {
            await using (var maintenance = await OpenAsync(credentials, _settings.MaintenanceDatabase, ErrorIds.RestoreFailed, cancellationToken).ConfigureAwait(false))
            {
                if (mode == BackupRestoreMode.Clean)
                    terminated = await RestoreCleanAsync(maintenance, credentials, pgRestore, manifest, target, sink, cancellationToken).ConfigureAwait(false);
                else
                    (terminated, previous) = await RestoreSwapAsync(maintenance, credentials, pgRestore, manifest, target, sink, cancellationToken).ConfigureAwait(false);
            }
            replaced = true;
            if (terminated > 0) details["terminatedConnections"] = terminated.ToString(CultureInfo.InvariantCulture);
            if (previous is not null) details["previousDatabase"] = previous;

            Progress(sink, "Verifying row counts against the manifest", 85);
            await using var conn = await OpenAsync(credentials, target, ErrorIds.RestoreFailed, cancellationToken).ConfigureAwait(false);
            var actual = await PgCatalog.CountRowsAsync(conn, null, cancellationToken).ConfigureAwait(false);
            var mismatches = CompareCounts(manifest.Tables, actual, extraIsProblem: false);
            if (mismatches.Count > 0)
                throw new RestoreAbortedException(
                    $"database {target} was restored from backup {manifest.Id} but does not match its manifest: {string.Join("; ", mismatches)}", false);
            verifiedTables = manifest.Tables.Count;
            extra = actual.Keys.Where(t => !manifest.Tables.ContainsKey(t)).ToList();
            if (extra.Count > 0)
                sink.WriteWarning(_redactor.Redact($"Tables that are not in backup {manifest.Id} remain in {target} (clean mode replaces only what the dump contains; restoreMode: swap gives an exact copy): {string.Join(", ", extra)}"));
            head = await PgCatalog.MigrationHeadAsync(conn, null, _settings.MigrationsTable, _settings.MigrationsColumn, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RestoreAbortedException or DeployOpsException or NpgsqlException or InvalidOperationException or IOException)
        {
            // Anything unforeseen is classified by how far the restore got.
            var aborted = ex as RestoreAbortedException ?? new RestoreAbortedException(replaced
                ? $"database {target} was restored from backup {manifest.Id} but could not be verified against its manifest: {ex.Message}"
                : $"{ex.Message}. Database {target} is unchanged (nothing had been replaced yet)", !replaced);
            var app = !appStopped ? "" : aborted.DatabaseUnchanged
                ? (await RunAppCommandsAsync(_settings.StartApp, "startApp", cmd, dep, sink, CancellationToken.None).ConfigureAwait(false) is { } f
                    ? $" startApp failed ({f}): the application may be down."
                    : " startApp was run, so the application runs on the unchanged database.")
                : " The application is left stopped (startApp was not run) until the database is sorted out.";
            var id = ex is DeployOpsException { ErrorId: ErrorIds.PgToolMissing } ? ErrorIds.PgToolMissing : ErrorIds.RestoreFailed;
            throw RestoreFailure(id, $"Restore failed: {aborted.Message}; {safetyNote}.{app}", pg, details, cmd, dep, ex);
        }
        catch (OperationCanceledException)
        {
            var state = $"Restore of {target} cancelled: pg_restore was stopped before completing (clean mode rolls back its single transaction; swap mode swaps only at the end), so database {target} is as before the restore; {safetyNote}." +
                (appStopped ? " The application was stopped by stopApp and was NOT restarted." : "");
            sink.WriteWarning(_redactor.Redact(state));
            details["state"] = state;
            Audit(cmd, "restore database", pg.Display, "Cancelled", details, dep);
            throw;
        }

        if (appStopped)
        {
            Progress(sink, "Starting the application (startApp)", 95);
            if (await RunAppCommandsAsync(_settings.StartApp, "startApp", cmd, dep, sink, cancellationToken).ConfigureAwait(false) is { } startFailure)
                throw RestoreFailure(ErrorIds.AppCommandFailed,
                    $"Database {target} was restored from backup {manifest.Id} and verified, but {startFailure}; start the application by hand. {safetyNote}.", pg, details, cmd, dep);
        }
        details["tablesVerified"] = verifiedTables.ToString(CultureInfo.InvariantCulture);
        details["migrationHead"] = head ?? "";
        Audit(cmd, "restore database", pg.Display, "Succeeded", details, dep);
        Progress(sink, "Done", 100, completed: true);
        return ConfigBinding.Bind(new DatabaseRestoreResult(manifest.Id, target, mode, safetyId, terminated, verifiedTables,
            extra.Select(_redactor.Redact).ToList(), head, previous, clock.Elapsed), _config.FilePath);
    }

    private async Task<int> RestoreCleanAsync(NpgsqlConnection maintenance, PgCredentials credentials, string pgRestore,
        BackupManifest manifest, string target, IOutputSink sink, CancellationToken ct)
    {
        var dumpPath = Path.Combine(_store.Directory, manifest.File);
        var extras = await RelationsNotInDumpAsync(credentials, pgRestore, dumpPath, target, ct).ConfigureAwait(false);
        Progress(sink, $"Terminating connections to {target}", 40);
        var terminated = await PgCatalog.TerminateConnectionsAsync(maintenance, target, ct).ConfigureAwait(false);
        if (terminated > 0) sink.WriteVerbose(_redactor.Redact($"Terminated {terminated} connection(s) to {target}"));
        PgProcessResult result;
        if (extras.Count == 0)
        {
            Progress(sink, $"pg_restore --clean into {target}", 50);
            // One transaction: a failure anywhere rolls back every drop and load, leaving the database as it was.
            var args = new List<string> { "--clean", "--if-exists", "--single-transaction", "--exit-on-error" };
            args.AddRange(credentials.ConnectionArguments(target));
            args.Add(dumpPath);
            result = await PgProcess.RunAsync(pgRestore, args, credentials.Environment(LockTimeoutOption()),
                line => ToolLine(sink, line, 60), ct).ConfigureAwait(false);
        }
        else
        {
            // Relations created after the backup (a migration's new tables) are not in the dump, so --clean would
            // leave them behind: drop them in the same transaction as the restore, through psql.
            var psql = PgTools.Locate("psql", _settings.Psql, "psql");
            var names = extras.Select(e => $"{e.Schema}.{e.Name}").ToList();
            sink.WriteVerbose(_redactor.Redact($"Dropping relations that are not in backup {manifest.Id}, in the restore's transaction: {string.Join(", ", names)}"));
            Progress(sink, $"pg_restore --clean into {target} (dropping {extras.Count} relation(s) created after the backup)", 50);
            var prelude = string.Concat(extras.Select(e =>
                $"DROP {e.Kind} IF EXISTS {PgCatalog.Quote(e.Schema)}.{PgCatalog.Quote(e.Name)} CASCADE;\n"));
            var psqlArgs = new List<string> { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-" };
            psqlArgs.AddRange(credentials.ConnectionArguments(target));
            result = await PgPipeline.RunAsync(pgRestore, new[] { "--clean", "--if-exists", "--file=-", dumpPath }, psql, psqlArgs, prelude,
                credentials.Environment(LockTimeoutOption()), line => ToolLine(sink, line, 60), ct).ConfigureAwait(false);
        }
        if (!result.Succeeded)
            throw new RestoreAbortedException(
                $"pg_restore --clean into {target} failed (exit {result.ExitCode}): {PgDiagnostics.Summarize(result.ErrorTail)}. It ran as one transaction, which rolled back: database {target} is unchanged, as before the restore", true);
        return terminated;
    }

    private async Task<(int Terminated, string Previous)> RestoreSwapAsync(NpgsqlConnection maintenance, PgCredentials credentials,
        string pgRestore, BackupManifest manifest, string target, IOutputSink sink, CancellationToken ct)
    {
        var fresh = DatabaseName(target, "_restore_" + Guid.NewGuid().ToString("N")[..8]);
        var previous = DatabaseName(target, "_pre_restore_" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        var swapped = false;
        try
        {
            await PgCatalog.CreateDatabaseAsync(maintenance, fresh, ct).ConfigureAwait(false);
            Progress(sink, $"pg_restore into the fresh database {fresh}", 40);
            var args = new List<string> { "--exit-on-error" };
            args.AddRange(RestoreJobsArguments()); // the fresh copy is swapped in only when complete: safe to load in parallel
            args.AddRange(credentials.ConnectionArguments(fresh));
            args.Add(Path.Combine(_store.Directory, manifest.File));
            var result = await PgProcess.RunAsync(pgRestore, args, credentials.Environment(), line => ToolLine(sink, line, 55), ct).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new RestoreAbortedException(
                    $"pg_restore into the fresh database {fresh} failed (exit {result.ExitCode}): {PgDiagnostics.Summarize(result.ErrorTail)}. Database {target} is unchanged (it was never touched; {fresh} was dropped)", true);

            Progress(sink, $"Verifying {fresh} before swapping it in", 70);
            await using (var conn = await OpenAsync(credentials, fresh, ErrorIds.RestoreFailed, ct).ConfigureAwait(false))
            {
                var mismatches = CompareCounts(manifest.Tables, await PgCatalog.CountRowsAsync(conn, null, ct).ConfigureAwait(false), extraIsProblem: true);
                if (mismatches.Count > 0)
                    throw new RestoreAbortedException(
                        $"the restored copy {fresh} does not match backup {manifest.Id}: {string.Join("; ", mismatches)}. Database {target} is unchanged ({fresh} was dropped)", true);
            }

            Progress(sink, $"Swapping {fresh} in as {target}", 80);
            var terminated = 0;
            for (var attempt = 1; attempt <= 20 && !swapped; attempt++)
            {
                terminated += await PgCatalog.TerminateConnectionsAsync(maintenance, target, ct).ConfigureAwait(false);
                // Both renames (and the owner) in one transaction: either the swap happened whole or not at all.
                await using var tx = await maintenance.BeginTransactionAsync(ct).ConfigureAwait(false);
                try
                {
                    string owner;
                    await using (var who = new NpgsqlCommand("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = @d", maintenance, tx))
                    {
                        who.Parameters.AddWithValue("d", target);
                        owner = (string)(await who.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                    }
                    await PgCatalog.ExecuteAsync(maintenance, $"ALTER DATABASE {PgCatalog.Quote(target)} RENAME TO {PgCatalog.Quote(previous)}", ct, tx).ConfigureAwait(false);
                    await PgCatalog.ExecuteAsync(maintenance, $"ALTER DATABASE {PgCatalog.Quote(fresh)} RENAME TO {PgCatalog.Quote(target)}", ct, tx).ConfigureAwait(false);
                    await PgCatalog.ExecuteAsync(maintenance, $"ALTER DATABASE {PgCatalog.Quote(target)} OWNER TO {PgCatalog.Quote(owner)}", ct, tx).ConfigureAwait(false);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                    swapped = true;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    await tx.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    await Task.Delay(100 * attempt, ct).ConfigureAwait(false); // a client reconnected between terminate and rename
                }
            }
            if (!swapped)
                throw new RestoreAbortedException(
                    $"clients kept reconnecting to {target}, so it could not be renamed. Database {target} is unchanged ({fresh} was dropped); stop the application and retry", true);
            sink.WriteVerbose(_redactor.Redact($"Swapped: {target} is now the restored copy; the replaced database is kept as {previous}"));
            return (terminated, previous);
        }
        finally
        {
            if (!swapped)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                try { await PgCatalog.DropDatabaseAsync(maintenance, fresh, timeout.Token).ConfigureAwait(false); }
                catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
                {
                    sink.WriteWarning(_redactor.Redact($"Could not drop the unused restore copy {fresh}: {ex.Message}; drop it by hand"));
                }
            }
        }
    }

    private async Task<List<(string Schema, string Name, string Kind)>> RelationsNotInDumpAsync(PgCredentials credentials,
        string pgRestore, string dumpPath, string target, CancellationToken ct)
    {
        var inDump = await DumpContents.ReadAsync(pgRestore, dumpPath, ct).ConfigureAwait(false);
        await using var conn = await OpenAsync(credentials, target, ErrorIds.RestoreFailed, ct).ConfigureAwait(false);
        var now = await PgCatalog.RelationsAsync(conn, ct).ConfigureAwait(false);
        return now.Where(r => !inDump.Contains(r.Key)).Select(r => (r.Key.Schema, r.Key.Name, r.Value))
            .OrderBy(r => r.Value == "VIEW" || r.Value == "MATERIALIZED VIEW" ? 0 : 1).ToList();
    }

    /// <summary>Runs stopApp/startApp commands in order; returns a description of the first failure, or null.</summary>
    private async Task<string?> RunAppCommandsAsync(IReadOnlyList<string> commands, string key, string auditCommand, string? deploymentId,
        IOutputSink sink, CancellationToken ct)
    {
        foreach (var command in commands)
        {
            sink.WriteVerbose(_redactor.Redact($"{key}: {command}"));
            var result = await ChildProcess.RunShellAsync(command, _settings.CommandTimeout,
                line => sink.WriteVerbose(_redactor.Redact(line)), ct, workingDirectory: _config.Directory).ConfigureAwait(false);
            Audit(auditCommand, key, command, result.Succeeded ? "Succeeded" : "Failed",
                new Dictionary<string, string> { ["exitCode"] = result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "timeout" }, deploymentId);
            if (!result.Succeeded)
                return _redactor.Redact($"{key} command '{command}' {(result.TimedOut ? $"timed out after {_settings.CommandTimeout}" : $"exited {result.ExitCode}")}: {result.TailText}");
        }
        return null;
    }

    private DeployOpsException RestoreFailure(string errorId, string message, PostgresSettings pg, Dictionary<string, string> details,
        string command, string? deploymentId, Exception? inner = null)
    {
        details["state"] = message;
        Audit(command, "restore database", pg.Display, "Failed", details, deploymentId);
        return Fail(errorId, ErrorKind.InvalidResult, message, pg.Display, inner);
    }

    private string LockTimeoutOption() =>
        "-c lock_timeout=" + ((long)_settings.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>target + suffix within PostgreSQL's 63-byte identifier limit.</summary>
    private static string DatabaseName(string target, string suffix)
    {
        var room = 63 - suffix.Length;
        var head = target;
        while (System.Text.Encoding.UTF8.GetByteCount(head) > room) head = head[..^1];
        return head + suffix;
    }
}
