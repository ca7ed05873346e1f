using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using Npgsql;

namespace DeployOps.Engine.Backup;

/// <summary>A scratch database restored from a backup, alive while the caller's work runs (then always dropped).</summary>
internal sealed record ScratchCopy(string Database, PostgresSettings Server, PgCredentials Credentials, TimeSpan RestoreDuration)
{
    /// <summary>A connection to the copy, from the one data-source registry. Unpooled: the copy is dropped afterwards
    /// and a pooled idle connection would hold it open.</summary>
    public NpgsqlConnection CreateConnection() =>
        Clients.PostgresDataSources.Shared.Unpooled(Server, b => b.Database = Database).CreateConnection();
}

internal sealed partial class BackupManager
{
    /// <summary>A fresh scratch database name (dropped by <see cref="WithScratchCopyAsync"/>; the prefix says who made it).</summary>
    internal static string ScratchName(string purpose) => $"deployops_{purpose}_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Creates the scratch database, restores the backup into it (without owners and grants: roles may differ), runs
    /// <paramref name="restored"/> on it — or <paramref name="restoreFailed"/> when pg_restore failed — and drops it,
    /// also on failure or cancellation.
    /// </summary>
    internal async Task<T> WithScratchCopyAsync<T>(BackupManifest manifest, string scratch, string command, string? deploymentId, IOutputSink sink,
        string errorId, Func<ScratchCopy, Task<T>> restored, Func<PgProcessResult, T> restoreFailed, CancellationToken ct)
    {
        var pg = RequirePostgres();
        var pgRestore = PgTools.Locate("pg_restore", _settings.PgRestore, "pgRestore");
        using var credentials = new PgCredentials(pg);
        await using var maintenance = await OpenAsync(credentials, _settings.MaintenanceDatabase, errorId, ct).ConfigureAwait(false);
        try
        {
            await PgCatalog.CreateDatabaseAsync(maintenance, scratch, ct).ConfigureAwait(false);
            // A dry run (-WhatIf) writes no audit line; the scratch copy is its only, temporary, footprint.
            if (!sink.IsDryRun) Audit(command, "create scratch database", scratch, "Succeeded", new Dictionary<string, string> { ["backupId"] = manifest.Id }, deploymentId);
            Progress(sink, $"Restoring {manifest.Id} into scratch database {scratch}", 20);
            var args = new List<string> { "--exit-on-error", "--no-owner", "--no-privileges" };
            args.AddRange(RestoreJobsArguments()); // a scratch restore need not be one transaction: in parallel
            args.AddRange(credentials.ConnectionArguments(scratch));
            args.Add(Path.Combine(_store.Directory, manifest.File));
            var clock = Stopwatch.StartNew();
            var restore = await PgProcess.RunAsync(pgRestore, args, credentials.Environment(), line => ToolLine(sink, line, 50), ct).ConfigureAwait(false);
            if (!restore.Succeeded) return restoreFailed(restore);
            return await restored(new ScratchCopy(scratch, pg, credentials, clock.Elapsed)).ConfigureAwait(false);
        }
        finally
        {
            await DropScratchAsync(maintenance, scratch, command, deploymentId, sink).ConfigureAwait(false);
        }
    }

    /// <summary>The newest backup of the configured database whose restore was verified, or a BackupNotFound error saying why there is none.</summary>
    internal BackupManifest NewestVerified()
    {
        var pg = RequirePostgres();
        var all = _store.List(problem => { }).Where(m => string.Equals(m.Database, pg.Database, StringComparison.Ordinal)).ToList();
        return all.FirstOrDefault(m => m.Verified == true) ?? throw Fail(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
            $"No verified backup of database '{pg.Database}' in {_store.Directory} ({all.Count} unverified); " +
            "take one with Backup-DeploymentDatabase -Verify", pg.Database);
    }

    internal BackupManifest Manifest(string id) => Resolve(id, RequirePostgres().Database);
}
