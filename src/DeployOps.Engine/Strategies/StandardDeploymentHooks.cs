using DeployOps.Engine.Clients;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.State;
using Npgsql;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// The hooks Invoke-Deployment and Resume-Deployment use unless told otherwise. BeforeDeploy enters maintenance when
/// wanted (<c>deployment.maintenance</c>, or a hotfix with <c>hotfix.maintenance</c>), then — when the deployment
/// runs migrations (<c>deployment.backup</c>) — takes and verifies a backup and records its id; with PostgreSQL
/// configured it records the migration head before; with a <c>migrations</c> check set to <c>classify: true</c> it
/// rehearses the pending migrations on a copy of that backup and records their expand/contract classification. AfterDeploy records the head after and leaves maintenance
/// (Complete on success, Fail on failure so <c>maintenance.stayOnFailure</c> is honoured — but when the application is
/// not serving after a failure, maintenance stays on whatever that setting says, and the record says so with
/// <c>maintenanceLeftOn</c>). A window already on (left by an interrupted run) is taken over, never switched off
/// before the work ran. One instance per deployment.
/// </summary>
internal sealed class StandardDeploymentHooks : IDeploymentHooks
{
    private readonly string _command;
    private MaintenanceScope? _scope;

    public StandardDeploymentHooks(string command = "Invoke-Deployment") => _command = command;

    /// <summary>Whether this deployment runs migrations, as <c>deployment.backup: auto</c> decides it.</summary>
    public static bool RunsMigrations(ConfigModel config) =>
        config.Deployment.StepsFor("migrate").Count > 0 || config.Checks.Any(c => c.Kind == "migrations");

    /// <summary>Whether BeforeDeploy takes a backup (ignoring -NoBackup).</summary>
    public static bool WantsBackup(ConfigModel config) => config.Postgres is not null && config.Deployment.Hooks.Backup switch
    {
        DeploymentBackupPolicy.Always => true,
        DeploymentBackupPolicy.Never => false,
        _ => RunsMigrations(config),
    };

    public async Task BeforeDeployAsync(DeploymentHookContext context, CancellationToken cancellationToken)
    {
        var config = context.Config;
        if (WantsMaintenance(context))
        {
            _scope = await MaintenanceMode.TakeOverScopeAsync(config, $"deployment of {context.Version}", context.DeploymentId, context.Sink,
                cancellationToken, _command).ConfigureAwait(false);
        }
        try
        {
            string? head = null;
            string? backupId = null;
            var headKnown = false;
            if (WantsBackup(config) && context.NoBackup)
            {
                context.Sink.WriteWarning(config.Redactor.Redact($"-NoBackup: deployment {context.DeploymentId} runs migrations without a database backup"));
                AuditLog.For(config).Write(_command, "backup before deployment", config.Postgres!.Display, "Skipped",
                    new Dictionary<string, string> { ["reason"] = "-NoBackup" }, context.DeploymentId);
            }
            else if (WantsBackup(config))
            {
                var backup = await new BackupManager(config).BackupAsync(new BackupOptions
                {
                    Reason = $"before deployment {context.DeploymentId} of {context.Version}",
                    Verify = true,
                    Command = _command,
                    DeploymentId = context.DeploymentId,
                }, context.Sink, cancellationToken).ConfigureAwait(false);
                if (backup is not null)
                {
                    if (backup.Verified != true)
                        throw new DeployOpsException(ErrorIds.BackupVerificationFailed, ErrorKind.InvalidResult,
                            config.Redactor.Redact($"The backup {backup.Id} taken before deployment {context.DeploymentId} did not verify " +
                                $"({backup.VerificationDetails ?? "no verdict"}); nothing was deployed"), backup.Id);
                    await context.AnnotateAsync(DeploymentField.BackupId, backup.Id, cancellationToken).ConfigureAwait(false);
                    backupId = backup.Id;
                    (head, headKnown) = (backup.MigrationHead, true);
                }
            }
            // Before migrate runs: the pending migrations rehearsed on a copy of that backup, classified, recorded.
            if (RunsMigrations(config))
                await Migrations.MigrationPreflight.BeforeMigrateAsync(context, backupId, _command, cancellationToken).ConfigureAwait(false);
            if (config.Postgres is not null)
            {
                if (!headKnown) (head, headKnown) = await TryReadHeadAsync(context, cancellationToken).ConfigureAwait(false);
                if (headKnown) await context.AnnotateAsync(DeploymentField.MigrationHeadBefore, head ?? "", cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_scope is not null)
        {
            await FailScopeAsync(context, _scope, ex.Message).ConfigureAwait(false);
            await LeaveAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task AfterDeployAsync(DeploymentHookContext context, CancellationToken cancellationToken)
    {
        var config = context.Config;
        try
        {
            if (config.Postgres is not null)
            {
                var (head, known) = await TryReadHeadAsync(context, cancellationToken).ConfigureAwait(false);
                if (known) await context.AnnotateAsync(DeploymentField.MigrationHeadAfter, head ?? "", cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (_scope is not null)
            {
                if (context.Succeeded) _scope.Complete();
                else await FailScopeAsync(context, _scope).ConfigureAwait(false);
                await LeaveAsync().ConfigureAwait(false);
            }
            else if (WantsMaintenance(context) && context.Succeeded)
            {
                // Resumed in another process: the scope that entered maintenance is gone, so leave it here.
                using var timeout = new CancellationTokenSource(MaintenanceScope.ExitTimeout);
                await MaintenanceMode.ExitCoreAsync(config, new ExitMaintenanceOptions { Command = _command, DeploymentId = context.DeploymentId },
                    context.Sink, askFirst: false, timeout.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A failed deployment whose application does not answer keeps maintenance on (the page, not a 502).</summary>
    private static async Task FailScopeAsync(DeploymentHookContext context, MaintenanceScope scope, string? reason = null)
    {
        var why = reason ?? $"deployment {context.DeploymentId} of {context.Version} failed";
        var targets = ServingCheck.InPlaceTargets(context.Config.Deployment, context.Strategy, context.TargetSlot);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (await ServingCheck.AllServingAsync(targets, context.Config.Deployment.ReadinessPath, timeout.Token).ConfigureAwait(false))
        {
            scope.Fail(why);
            return;
        }
        scope.KeepOn($"{why} and {string.Join(", ", targets.Select(t => t.Name))} does not answer {context.Config.Deployment.ReadinessPath}");
        await context.AnnotateAsync(DeploymentField.MaintenanceLeftOn, "true", CancellationToken.None).ConfigureAwait(false);
    }

    private static bool WantsMaintenance(DeploymentHookContext context) =>
        (context.Maintenance || context.Config.Deployment.Hooks.Maintenance) && context.Config.Maintenance.HasMechanism;

    private async Task LeaveAsync()
    {
        var scope = _scope!;
        _scope = null;
        await scope.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The migrations table's head; (null, true) when the table does not exist; (null, false) when unreadable (warned).</summary>
    private static async Task<(string? Head, bool Known)> TryReadHeadAsync(DeploymentHookContext context, CancellationToken ct)
    {
        try
        {
            return (await MigrationHead.ReadAsync(context.Config, ct).ConfigureAwait(false), true);
        }
        catch (NpgsqlException ex)
        {
            context.Sink.WriteWarning(context.Config.Redactor.Redact($"Could not read the migration head of {context.Config.Postgres!.Display}: {ex.Message}"));
            return (null, false);
        }
    }
}

/// <summary>Reads the migrations table (<c>backup.migrationsTable</c>/<c>migrationsColumn</c>) of the configured database.</summary>
internal static class MigrationHead
{
    public static async Task<string?> ReadAsync(ConfigModel config, CancellationToken ct)
    {
        await using var connection = await PostgresDataSources.Shared.Pooled(config.Postgres!).OpenConnectionAsync(ct).ConfigureAwait(false);
        return await PgCatalog.MigrationHeadAsync(connection, null, config.Backup.MigrationsTable, config.Backup.MigrationsColumn, ct).ConfigureAwait(false);
    }

    /// <summary>The migration ids applied after <paramref name="before"/> (all of them when it is null or empty), in order.</summary>
    public static async Task<IReadOnlyList<string>> AppliedAfterAsync(ConfigModel config, string? before, CancellationToken ct)
    {
        await using var connection = await PostgresDataSources.Shared.Pooled(config.Postgres!).OpenConnectionAsync(ct).ConfigureAwait(false);
        var table = string.Join('.', config.Backup.MigrationsTable.Split('.').Select(PgCatalog.Quote));
        var column = PgCatalog.Quote(config.Backup.MigrationsColumn);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection))
        {
            exists.Parameters.AddWithValue("t", table);
            if (!(bool)(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false))!) return Array.Empty<string>();
        }
        await using var cmd = new NpgsqlCommand($"SELECT {column}::text FROM {table} WHERE @b = '' OR {column}::text > @b ORDER BY 1", connection);
        cmd.Parameters.AddWithValue("b", before ?? "");
        var ids = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) ids.Add(reader.GetString(0));
        return ids;
    }
}
