using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;

namespace DeployOps.Engine.Migrations;

/// <summary>
/// Where Invoke-Deployment rehearses its pending migrations (configured by a <c>migrations</c> check with
/// <c>classify: true</c>): before <c>migrate</c> runs, on a copy of the pre-deployment backup, recording the
/// classification with the deployment; and under -WhatIf, on a copy of the newest verified backup, as part of the plan.
/// </summary>
internal static class MigrationPreflight
{
    /// <summary>
    /// Rehearses on a copy of <paramref name="backupId"/> (the verified pre-deployment backup) and records
    /// <see cref="DeploymentField.MigrationClasses"/>. A migration that fails on the copy stops the deployment before
    /// anything was deployed. Without a backup (-NoBackup) it warns and classifies nothing.
    /// </summary>
    public static async Task BeforeMigrateAsync(DeploymentHookContext context, string? backupId, string command, CancellationToken ct)
    {
        var config = context.Config;
        if (MigrationSource.From(config) is not { } source || config.Postgres is null) return;
        if (backupId is null)
        {
            context.Sink.WriteWarning($"Migrations are not classified: deployment {context.DeploymentId} has no verified pre-deployment backup to rehearse them on (-NoBackup)");
            return;
        }
        var result = await MigrationRehearsal.RunAsync(config, source, backupId, command, context.DeploymentId, context.Sink, ct).ConfigureAwait(false);
        await context.AnnotateAsync(DeploymentField.MigrationClasses, result.Labels, ct).ConfigureAwait(false);
        AuditLog.For(config).Write(command, "classify migrations", config.Postgres.Display, result.AllExpand ? "Expand" : "Contract",
            new Dictionary<string, string>
            {
                ["backupId"] = result.BackupId,
                ["migrations"] = result.Labels,
                ["applyMilliseconds"] = result.ApplyDuration.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture),
            }, context.DeploymentId);
        foreach (var m in result.Migrations) context.Sink.WriteVerbose(config.Redactor.Redact(m.ToString()));
        if (!result.AllExpand)
            context.Sink.WriteWarning(config.Redactor.Redact($"Contract migration(s) {string.Join(", ", result.Migrations.Where(m => m.Class == MigrationClass.Contract).Select(m => m.ToString()))}: " +
                "a code-only rollback of this deployment will be refused (roll back with -IncludeDatabase)"));
    }

    /// <summary>Under -WhatIf: the classification the deployment would record, written after the plan (records, or a warning/error).</summary>
    public static async Task WritePlanAsync(ConfigModel config, IOutputSink sink, CancellationToken ct)
    {
        if (MigrationSource.From(config) is not { } source || config.Postgres is null || !StandardDeploymentHooks.WantsBackup(config)) return;
        try
        {
            var result = await MigrationRehearsal.RunAsync(config, source, null, "Invoke-Deployment", null, sink, ct).ConfigureAwait(false);
            if (result.Migrations.Count == 0) sink.WriteVerbose($"No pending migration on a copy of backup {result.BackupId}");
            foreach (var m in result.Migrations) sink.WriteRecord(m);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.BackupNotFound)
        {
            sink.WriteWarning(config.Redactor.Redact($"Migrations not classified in this plan: {ex.Message}"));
        }
        catch (DeployOpsException ex)
        {
            sink.WriteError(new DeployOpsError(ex.ErrorId, ex.Kind, config.Redactor.Redact(ex.Message), ex.Target));
        }
    }
}
