using System.Diagnostics;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Checks.Migrations;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using Npgsql;

namespace DeployOps.Engine.Migrations;

/// <summary>What a rehearsal found: each pending migration classified, on a copy of which backup.</summary>
internal sealed record MigrationRehearsalResult(string BackupId, string ScratchDatabase, TimeSpan RestoreDuration,
    IReadOnlyList<MigrationClassification> Migrations)
{
    public TimeSpan ApplyDuration => TimeSpan.FromTicks(Migrations.Sum(m => m.Duration.Ticks));
    public bool AllExpand => Migrations.All(m => m.Class == MigrationClass.Expand);

    /// <summary>"id:expand,id2:contract" — recorded with the deployment (<see cref="State.DeploymentField.MigrationClasses"/>).</summary>
    public string Labels => string.Join(",", Migrations.Select(m => m.Label));

    public string Summary => Migrations.Count == 0
        ? $"no pending migration (copy of backup {BackupId})"
        : $"{Migrations.Count} pending migration(s) applied on a copy of backup {BackupId} in {ApplyDuration.TotalMilliseconds:0} ms: " +
          string.Join("; ", Migrations.Select(m => m.ToString()));
}

/// <summary>
/// Applies the pending migrations, one file at a time with psql (as an operator would, so CREATE INDEX CONCURRENTLY
/// and psql meta-commands work), to a scratch database restored from a verified backup, snapshotting the catalog
/// around each file to classify it expand or contract. The scratch copy is always dropped; the live database is never
/// touched. A migration that fails is reported with psql's file:line and message.
/// </summary>
internal static class MigrationRehearsal
{
    public const int ProgressActivityId = 61;
    private const string Activity = "Migration rehearsal";

    /// <param name="backupId">The backup to copy; null = the newest verified backup of the database.</param>
    public static async Task<MigrationRehearsalResult> RunAsync(ConfigModel config, MigrationSource source, string? backupId,
        string command, string? deploymentId, IOutputSink sink, CancellationToken ct)
    {
        if (!Directory.Exists(source.Files.Directory))
            throw new DeployOpsException(ErrorIds.MigrationRehearsalFailed, ErrorKind.ObjectNotFound,
                $"migrations directory {source.Files.Directory} does not exist (checks: kind migrations, directory)", source.Files.Directory);
        var manager = new BackupManager(config);
        var manifest = backupId is null ? manager.NewestVerified() : manager.Manifest(backupId);
        var psql = PgTools.Locate("psql", config.Backup.Psql, "psql");
        var scratch = BackupManager.ScratchName("rehearse");
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, Activity, $"Restoring backup {manifest.Id} into {scratch}", 5));
        var result = await manager.WithScratchCopyAsync(manifest, scratch, command, deploymentId, sink, ErrorIds.MigrationRehearsalFailed,
            copy => ApplyAllAsync(copy, manifest.Id, psql, source, sink, ct),
            restore => throw new DeployOpsException(ErrorIds.MigrationRehearsalFailed, ErrorKind.InvalidResult,
                config.Redactor.Redact($"pg_restore of backup {manifest.Id} into the scratch database {scratch} failed (exit {restore.ExitCode}): " +
                    $"{PgDiagnostics.Summarize(restore.ErrorTail)}; no migration was rehearsed"), manifest.Id),
            ct).ConfigureAwait(false);
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, Activity, "Done", 100, Completed: true));
        return result;
    }

    internal static async Task<MigrationRehearsalResult> ApplyAllAsync(ScratchCopy copy, string backupId, string psql, MigrationSource source,
        IOutputSink sink, CancellationToken ct)
    {
        await using var conn = copy.CreateConnection();
        await conn.OpenAsync(ct).ConfigureAwait(false);
        var applied = await MigrationLedger.AppliedAsync(conn, source.Table, source.Column, ct).ConfigureAwait(false) ?? new HashSet<string>();
        var pending = source.Files.List().Migrations.Where(m => !applied.Contains(MigrationFiles.Normalize(m.Id))).ToList();
        var classified = new List<MigrationClassification>();
        var before = await SchemaSnapshot.ReadAsync(conn, ct).ConfigureAwait(false);
        for (var i = 0; i < pending.Count; i++)
        {
            var (file, id) = pending[i];
            sink.WriteProgress(new ProgressUpdate(ProgressActivityId, Activity, $"Applying {file} to the copy ({i + 1}/{pending.Count})",
                10 + 85 * i / pending.Count));
            var clock = Stopwatch.StartNew();
            var run = await PgProcess.RunAsync(psql, PsqlArguments(copy, Path.Combine(source.Files.Directory, file)), copy.Credentials.Environment(),
                sink.WriteVerbose, ct).ConfigureAwait(false);
            clock.Stop();
            if (!run.Succeeded)
                throw new DeployOpsException(ErrorIds.MigrationRehearsalFailed, ErrorKind.InvalidResult,
                    $"Migration {file} failed on a scratch copy of backup {backupId} (exit {run.ExitCode}): {PgDiagnostics.Summarize(run.ErrorTail)}" +
                    (classified.Count > 0 ? $"; the {classified.Count} before it applied ({string.Join(", ", classified.Select(c => c.Label))})" : "") +
                    ". The live database was not touched", Path.Combine(source.Files.Directory, file));
            var after = await SchemaSnapshot.ReadAsync(conn, ct).ConfigureAwait(false);
            var changes = SchemaDiff.Compare(before, after);
            classified.Add(new MigrationClassification(id, file, SchemaDiff.Classify(changes), changes, clock.Elapsed, backupId));
            before = after;
        }
        return new MigrationRehearsalResult(backupId, copy.Database, copy.RestoreDuration, classified);
    }

    private static List<string> PsqlArguments(ScratchCopy copy, string path)
    {
        var args = new List<string> { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", path };
        args.AddRange(copy.Credentials.ConnectionArguments(copy.Database));
        return args;
    }
}
