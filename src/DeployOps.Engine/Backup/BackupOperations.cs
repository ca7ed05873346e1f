using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Backup;

/// <summary>Which backups Get-DeploymentBackup lists.</summary>
internal sealed class BackupQuery
{
    /// <summary>Only these ids (<see cref="NamePattern"/> wildcards); an exact id that matches nothing is BackupNotFound.</summary>
    public IReadOnlyList<string> Ids { get; init; } = Array.Empty<string>();
    /// <summary>Only the newest N of those (0: all).</summary>
    public int Last { get; init; }
}

/// <summary>
/// The entry point of the four backup cmdlets (docs/architecture.md): one static call per operation, taking the
/// configuration, the options and the sink. The <see cref="BackupManager"/> that does the work lives for one call.
/// A backup, a verification and a restore return their one result; a listing streams its records through the sink.
/// </summary>
internal static class BackupOperations
{
    /// <summary>Backup-DeploymentDatabase: the new backup, or null under -WhatIf.</summary>
    public static Task<DeploymentBackup?> BackupAsync(ConfigModel config, BackupOptions options, IOutputSink sink,
        CancellationToken cancellationToken) =>
        new BackupManager(config).BackupAsync(options, sink, cancellationToken);

    /// <summary>Test-DeploymentBackup: the verdict on backup <paramref name="id"/> (null: the newest), or null under -WhatIf.</summary>
    public static Task<BackupVerification?> VerifyAsync(ConfigModel config, string? id, IOutputSink sink,
        CancellationToken cancellationToken) =>
        new BackupManager(config).VerifyAsync(id, sink, cancellationToken);

    /// <summary>Restore-DeploymentDatabase: what replaced what, or null under -WhatIf.</summary>
    public static Task<DatabaseRestoreResult?> RestoreAsync(ConfigModel config, RestoreOptions options, IOutputSink sink,
        CancellationToken cancellationToken) =>
        new BackupManager(config).RestoreAsync(options, sink, cancellationToken);

    /// <summary>Every backup in the backup directory, newest first (tab completion).</summary>
    public static Task<IReadOnlyList<DeploymentBackup>> ListAsync(ConfigModel config, CancellationToken cancellationToken) =>
        new BackupManager(config).ListAsync(cancellationToken);

    /// <summary>
    /// Get-DeploymentBackup: writes the selected backups to the sink, newest first; an exact id that names no backup
    /// is a non-terminating BackupNotFound error and the others are still listed.
    /// </summary>
    public static async Task GetAsync(ConfigModel config, BackupQuery query, IOutputSink sink, CancellationToken cancellationToken)
    {
        var all = await ListAsync(config, cancellationToken).ConfigureAwait(false);
        IEnumerable<DeploymentBackup> selected = all;
        if (query.Ids.Count > 0)
        {
            var patterns = query.Ids.Select(NamePattern.Of).ToList();
            selected = all.Where(b => patterns.Any(p => p.IsMatch(b.Id)));
            foreach (var id in query.Ids.Where(i => !NamePattern.HasWildcards(i) && all.All(b => b.Id != i)))
                sink.WriteError(new DeployOpsError(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                    config.Redactor.Redact($"No backup with id '{id}' in {config.Backup.Directory}"), id));
        }
        if (query.Last > 0) selected = selected.Take(query.Last);
        foreach (var backup in selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sink.WriteRecord(backup);
        }
    }
}
