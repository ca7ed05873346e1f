using DeployOps.Engine.Checks.Postgres;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Migrations;
using Npgsql;

namespace DeployOps.Engine.Checks.Migrations;

/// <summary>
/// Compares the migration files on disk with the versions recorded in the database; lists what is pending. With
/// <c>classify: true</c> pending migrations are expected (this runs before <c>migrate</c>): they are rehearsed on a
/// scratch copy of the newest verified backup and classified expand/contract instead of failing the check.
/// </summary>
internal sealed class MigrationsCheck : ICheck, IConfigBoundCheck
{
    private const int NamesInMessage = 10;

    private readonly PostgresSettings? _settings;
    private readonly MigrationFiles _files;
    private readonly string _table;
    private readonly string _column;
    private ConfigModel? _config;

    public MigrationsCheck(PostgresSettings? settings, MigrationFiles files, string table, string column, bool classify = false)
    {
        Classify = classify;
        _settings = settings;
        _files = files;
        _table = table;
        _column = column;
    }

    /// <summary>Rehearse and classify pending migrations (also before Invoke-Deployment's migrate step).</summary>
    public bool Classify { get; }
    public MigrationSource Source => new(_files, _table, _column);

    public void Bind(ConfigModel config) => _config = config;

    public string Target => $"{_files.Directory} vs {_settings?.Display ?? "(no database configured)"} {_table}.{_column}";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (_settings is null) return CheckOutcome.Fail("no PostgreSQL connection is configured");
        if (!Directory.Exists(_files.Directory))
            return CheckOutcome.Fail($"migrations directory {_files.Directory} does not exist");

        var (migrations, ignored) = _files.List();
        var data = new Dictionary<string, object?>
        {
            ["directory"] = _files.Directory,
            ["files"] = migrations.Count,
            ["table"] = _table,
        };
        if (ignored.Count > 0) data["ignoredFiles"] = ignored;
        if (migrations.Count == 0)
            return CheckOutcome.Warn($"no migration files match '{_files.Pattern}' in {_files.Directory}" +
                (ignored.Count > 0 ? $" ({ignored.Count} file(s) did not match idPattern)" : ""), data);

        HashSet<string>? applied;
        try
        {
            applied = await AppliedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedColumn)
        {
            return CheckOutcome.Fail($"table {_table} has no column '{_column}' (set 'column' to where your tool records versions)", data);
        }
        catch (Exception ex) when (PostgresConnection.IsConnectionProblem(ex) && !cancellationToken.IsCancellationRequested)
        {
            return CheckOutcome.Fail(PostgresConnection.Describe(ex, _settings), data);
        }

        var pending = applied is null
            ? migrations.Select(m => m.File).ToList()
            : migrations.Where(m => !applied.Contains(MigrationFiles.Normalize(m.Id))).Select(m => m.File).ToList();
        data["applied"] = applied?.Count ?? 0;
        data["pendingCount"] = pending.Count;
        data["pending"] = pending;
        data["latest"] = migrations[^1].File;

        if (applied is null)
            return CheckOutcome.Fail($"table {_table} does not exist in {_settings.Database}, so all {pending.Count} migration(s) are pending: {Names(pending)}", data);
        if (Classify && _config is not null)
            return await ClassifyAsync(pending.Count, data, cancellationToken).ConfigureAwait(false);
        if (pending.Count > 0)
            return CheckOutcome.Fail($"{pending.Count} of {migrations.Count} migration(s) pending: {Names(pending)}", data);
        return CheckOutcome.Pass($"all {migrations.Count} migration(s) applied (latest {migrations[^1].File})", data);
    }

    /// <summary>Rehearses on a copy of the newest verified backup (whose pending set may be larger than the live one's).</summary>
    private async Task<CheckOutcome> ClassifyAsync(int pendingLive, Dictionary<string, object?> data, CancellationToken ct)
    {
        if (pendingLive == 0) return CheckOutcome.Pass($"all migrations applied; nothing to classify", data);
        var sink = new CollectingSink();
        MigrationRehearsalResult result;
        try
        {
            result = await MigrationRehearsal.RunAsync(_config!, Source, null, "Test-PreDeployment", null, sink, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.BackupNotFound)
        {
            // Not a failure: Invoke-Deployment rehearses on the backup it takes itself before migrate runs.
            return CheckOutcome.Warn($"{pendingLive} pending migration(s) not classified: {ex.Message}", data);
        }
        catch (DeployOpsException ex)
        {
            return CheckOutcome.Fail(ex.Message, data);
        }
        data["backupId"] = result.BackupId;
        data["applyDuration"] = result.ApplyDuration;
        data["restoreDuration"] = result.RestoreDuration;
        data["classification"] = result.Migrations;
        if (sink.Warnings.Count > 0) data["warnings"] = sink.Warnings;
        var contract = result.Migrations.Where(m => m.Class == MigrationClass.Contract).ToList();
        return contract.Count == 0
            ? CheckOutcome.Pass($"{result.Summary}; all expand: a code-only rollback across them is allowed", data)
            : CheckOutcome.Warn($"{result.Summary}; {contract.Count} contract: a code-only rollback across " +
                $"{string.Join(", ", contract.Select(c => c.File))} would be refused", data);
    }

    private async Task<HashSet<string>?> AppliedAsync(CancellationToken ct)
    {
        await using var connection = PostgresConnection.Create(_settings!);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return await MigrationLedger.AppliedAsync(connection, _table, _column, ct).ConfigureAwait(false);
    }

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= NamesInMessage
            ? string.Join(", ", names)
            : string.Join(", ", names.Take(NamesInMessage)) + $", … and {names.Count - NamesInMessage} more";
}
