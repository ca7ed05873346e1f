using DeployOps.Engine.Clients;
using System.Data;
using System.Diagnostics;
using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Security;
using Npgsql;

namespace DeployOps.Engine.Backup;

/// <summary>
/// PostgreSQL backups that are proven restorable: pg_dump in directory (parallel) or custom format with a manifest (checksums, exact row
/// counts read in the dump's own snapshot, migration head), verification by restoring into a scratch database,
/// restore with stop/start of the application, and retention. Used by the backup cmdlets, Invoke-Deployment and
/// Invoke-Rollback.
/// </summary>
internal sealed partial class BackupManager
{
    public const int ProgressActivityId = 60;
    /// <summary>Reason recorded on the backup a restore takes of the database it replaces.</summary>
    public const string SafetyReasonPrefix = "pre-restore";
    private const string Activity = "Database backup";

    private readonly ConfigModel _config;
    private readonly BackupSettings _settings;
    private readonly BackupStore _store;
    private readonly AuditLog _audit;
    private readonly Redactor _redactor;

    public BackupManager(ConfigModel config)
    {
        _config = config;
        _settings = config.Backup;
        _store = new BackupStore(_settings.Directory);
        _audit = AuditLog.For(config);
        _redactor = config.Redactor;
    }

    public string Directory => _store.Directory;

    /// <summary>Every backup in the backup directory, newest first.</summary>
    public Task<IReadOnlyList<DeploymentBackup>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<DeploymentBackup> list = _store.List().Select(ToBackup).ToList();
        return Task.FromResult(list);
    }

    /// <summary>The backup with this id, or null.</summary>
    public Task<DeploymentBackup?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var manifest = _store.Find(id);
        return Task.FromResult(manifest is null ? null : ToBackup(manifest));
    }

    /// <summary>
    /// Dumps the configured database. Returns null when ShouldProcess declined (-WhatIf). Throws BackupFailed
    /// (nothing recorded, no partial file left) or PgToolMissing.
    /// </summary>
    public async Task<DeploymentBackup?> BackupAsync(BackupOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, _config);
        var pg = RequirePostgres();
        var pgDump = PgTools.Locate("pg_dump", _settings.PgDump, "pgDump");
        if (!sink.ShouldProcess(pg.Display, $"Back up database '{pg.Database}' into {_store.Directory}"))
        {
            if (!sink.IsDryRun) Audit(options.Command, "backup", pg.Display, "Skipped", null, options.DeploymentId);
            return null;
        }
        var manifest = await DumpAsync(pg, pgDump, options, sink, cancellationToken).ConfigureAwait(false);
        if (options.Verify)
        {
            var verdict = await VerifyCoreAsync(manifest, options.Command, options.DeploymentId, sink, cancellationToken).ConfigureAwait(false);
            if (verdict.ToError() is { } error) sink.WriteError(Redacted(error));
            manifest = _store.Find(manifest.Id) ?? manifest;
        }
        if (options.ApplyRetention)
            ApplyRetention(pg.Database, options.Protect.Append(manifest.Id).ToHashSet(StringComparer.Ordinal), options.Command, sink);
        return ToBackup(manifest);
    }

    private async Task<BackupManifest> DumpAsync(PostgresSettings pg, string pgDump, BackupOptions options, IOutputSink sink,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var created = DateTimeOffset.UtcNow;
        _store.Ensure();
        var id = _store.NewId(pg.Database, created);
        var finalPath = _store.DumpPath(id);
        var partial = finalPath + BackupStore.PartialExtension;
        Progress(sink, $"Dumping {pg.Display} to {Path.GetFileName(finalPath)} ({FormatName(_settings.Format)} format)", 5);

        using var credentials = new PgCredentials(pg);
        try
        {
            var pgDumpVersion = await ToolVersionAsync(pgDump, ct).ConfigureAwait(false);
            var compressArgument = CompressArgument(pgDump, pgDumpVersion);
            await using var conn = await OpenAsync(credentials, pg.Database, ErrorIds.BackupFailed, ct).ConfigureAwait(false);
            // One REPEATABLE READ snapshot shared with pg_dump (--snapshot): the row counts in the manifest describe
            // exactly the data in the dump, even while the application keeps writing.
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            string snapshot;
            await using (var cmd = new NpgsqlCommand("SELECT pg_export_snapshot()", conn, tx))
                snapshot = (string)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;

            var args = DumpArguments(partial, snapshot, pgDumpVersion, compressArgument);
            args.AddRange(credentials.ConnectionArguments(pg.Database));

            // Private before pg_dump writes a byte: it truncates a 0600 file (keeping the mode) or fills an empty 0700
            // folder (directory format), whatever its own umask.
            if (_settings.Format == BackupDumpFormat.Directory) PrivateFiles.EnsureDirectory(partial);
            else PrivateFiles.CreateEmpty(partial);
            using var dumpCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var dump = PgProcess.RunAsync(pgDump, args, credentials.Environment(), line => ToolLine(sink, line, 30), dumpCancel.Token);
            SortedDictionary<string, long> tables;
            string? head;
            try
            {
                tables = await PgCatalog.CountRowsAsync(conn, tx, ct).ConfigureAwait(false);
                head = await PgCatalog.MigrationHeadAsync(conn, tx, _settings.MigrationsTable, _settings.MigrationsColumn, ct).ConfigureAwait(false);
            }
            catch
            {
                await dumpCancel.CancelAsync().ConfigureAwait(false);
                try { await dump.ConfigureAwait(false); } catch (OperationCanceledException) { }
                throw;
            }
            var result = await dump.ConfigureAwait(false);
            // pg_dump's own words first: when the server went away, committing would only say "reading from stream".
            if (!result.Succeeded)
                throw Fail(ErrorIds.BackupFailed, ErrorKind.InvalidResult,
                    $"pg_dump of {pg.Display} failed (exit {result.ExitCode}): {PgDiagnostics.Summarize(result.ErrorTail)}", pg.Display);
            await tx.CommitAsync(ct).ConfigureAwait(false);

            if (_settings.Format == BackupDumpFormat.Directory)
            {
                // pg_dump -Fd created its files with its own umask inside the 0700 folder: 0600 like every other file.
                PrivateFiles.RestrictTree(partial);
                System.IO.Directory.Move(partial, finalPath);
            }
            else File.Move(partial, finalPath);
            Progress(sink, "Computing the sha256 of the dump", 80);
            var (sha256, files) = _settings.Format == BackupDumpFormat.Directory
                ? await DirectoryChecksumAsync(finalPath, ct).ConfigureAwait(false)
                : (await BackupStore.Sha256Async(finalPath, ct).ConfigureAwait(false), null);
            var manifest = new BackupManifest
            {
                Id = id,
                File = Path.GetFileName(finalPath),
                Database = pg.Database,
                Server = pg.Display,
                ServerVersion = conn.PostgreSqlVersion.ToString(),
                PgDumpVersion = pgDumpVersion,
                Created = created,
                CreatedBy = OperatorIdentity.Current.User,
                Host = OperatorIdentity.Current.Host,
                Reason = _redactor.Redact(options.Reason),
                Size = DumpChecksum.Size(finalPath),
                Sha256 = sha256,
                Format = FormatName(_settings.Format),
                Compression = compressArgument,
                Files = files,
                CompressLevel = _settings.Compression.Method == "gzip" ? _settings.Compression.Level : null,
                Tables = tables,
                MigrationsTable = _settings.MigrationsTable,
                MigrationHead = head,
            };
            manifest.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
            _store.Write(manifest);
            Audit(options.Command, "backup", pg.Display, "Succeeded", new Dictionary<string, string>
            {
                ["backupId"] = id,
                ["file"] = finalPath,
                ["size"] = manifest.Size.ToString(CultureInfo.InvariantCulture),
                ["sha256"] = manifest.Sha256,
                ["format"] = manifest.Format ?? "",
                ["compression"] = compressArgument ?? "default",
                ["tables"] = tables.Count.ToString(CultureInfo.InvariantCulture),
                ["migrationHead"] = head ?? "",
                ["reason"] = options.Reason,
            }, options.DeploymentId);
            sink.WriteVerbose(_redactor.Redact($"Backup {id}: {manifest.Size:N0} bytes, {tables.Count} table(s), {tables.Values.Sum():N0} row(s) in {clock.Elapsed.TotalSeconds:0.0}s"));
            Progress(sink, "Done", 100, completed: true);
            return manifest;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            TryDelete(partial);
            var error = ex as DeployOpsException ?? Fail(ErrorIds.BackupFailed, ErrorKind.InvalidResult,
                $"Backup of {pg.Display} failed: {PgDiagnostics.Describe(ex)}", pg.Display, ex);
            Audit(options.Command, "backup", pg.Display, "Failed", new Dictionary<string, string> { ["error"] = error.Message }, options.DeploymentId);
            throw error;
        }
        catch (OperationCanceledException)
        {
            TryDelete(partial);
            Audit(options.Command, "backup", pg.Display, "Cancelled", null, options.DeploymentId);
            throw;
        }
    }

    /// <summary>
    /// The backup with this id, or (id null) the newest of the database — for restores not a pre-restore safety
    /// backup, so running a restore twice does not silently undo the first one.
    /// </summary>
    internal BackupManifest Resolve(string? id, string database, bool excludeSafetyBackups = false)
    {
        var all = _store.List(problem => { });
        var manifest = id is null
            ? all.FirstOrDefault(m => string.Equals(m.Database, database, StringComparison.Ordinal)
                && !(excludeSafetyBackups && (m.Reason ?? "").StartsWith(SafetyReasonPrefix, StringComparison.Ordinal)))
            : all.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));
        if (manifest is not null) return manifest;
        var known = all.Count == 0 ? "there are no backups there" : "known: " + string.Join(", ", all.Take(5).Select(m => m.Id));
        throw Fail(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
            id is null ? $"No backup of database '{database}' in {_store.Directory}; {known}"
                       : $"No backup with id '{id}' in {_store.Directory}; {known}", id ?? database);
    }

    private PostgresSettings RequirePostgres() => _settings.Postgres ?? _config.Postgres ?? throw new DeployOpsException(
        ErrorIds.BackupNotConfigured, ErrorKind.InvalidOperation,
        $"{_config.FilePath} has no postgres section: there is no database to back up or restore", _config.FilePath);

    private async Task<NpgsqlConnection> OpenAsync(PgCredentials credentials, string database, string errorId, CancellationToken ct)
    {
        var conn = PostgresDataSources.Shared.Unpooled(RequirePostgres(), b => b.Database = database).CreateConnection();
        try
        {
            await conn.OpenAsync(ct).ConfigureAwait(false);
            return conn;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw Fail(errorId, ErrorKind.ConnectionError,
                $"Cannot connect to {credentials.Host}:{credentials.Port}/{database}: {ex.Message}", database, ex);
        }
    }

    private static async Task<string?> ToolVersionAsync(string tool, CancellationToken ct)
    {
        var output = new List<string>();
        var result = await PgProcess.RunAsync(tool, new[] { "--version" }, new Dictionary<string, string?>(), output.Add, ct).ConfigureAwait(false);
        return result.Succeeded ? output.FirstOrDefault()?.Trim() : null;
    }

    private DeploymentBackup ToBackup(BackupManifest m) => ConfigBinding.Bind(new DeploymentBackup(m.Id, m.Database, m.Server, m.ServerVersion, m.Created,
        m.CreatedBy, m.Host, m.Reason, m.Size, m.Sha256, TimeSpan.FromSeconds(m.DurationSeconds),
        new Dictionary<string, long>(m.Tables, StringComparer.Ordinal), m.MigrationHead, m.Verified, m.VerifiedAt,
        m.VerificationDetails, Path.Combine(_store.Directory, m.File),
        Path.Combine(_store.Directory, m.Id + BackupStore.ManifestExtension)) { Format = FormatName(m.DumpFormat), Compression = m.Compression }, _config.FilePath);

    private DeployOpsException Fail(string id, ErrorKind kind, string message, object? target, Exception? inner = null) =>
        new(id, kind, _redactor.Redact(message), target is string s ? _redactor.Redact(s) : target, inner);

    private DeployOpsError Redacted(DeployOpsError e) => new(e.ErrorId, e.Kind, _redactor.Redact(e.Message), e.Target, e.Exception);

    private void Audit(string command, string action, string target, string outcome, IReadOnlyDictionary<string, string>? details,
        string? deploymentId) => _audit.Write(command, action, target, outcome, details, deploymentId);

    private void Progress(IOutputSink sink, string status, int percent, bool completed = false) =>
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, Activity, _redactor.Redact(status), percent, Completed: completed));

    private void ToolLine(IOutputSink sink, string line, int percent)
    {
        var safe = _redactor.Redact(line);
        sink.WriteVerbose(safe);
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, Activity, safe, percent));
    }

    private static void TryDelete(string path)
    {
        try { BackupStore.DeleteDump(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
