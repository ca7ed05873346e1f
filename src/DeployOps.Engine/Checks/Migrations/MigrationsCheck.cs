using DeployOps.Engine.Checks.Postgres;
using DeployOps.Engine.Configuration;
using Npgsql;

namespace DeployOps.Engine.Checks.Migrations;

/// <summary>Compares the migration files on disk with the versions recorded in the database; lists what is pending.</summary>
internal sealed class MigrationsCheck : ICheck
{
    private const int NamesInMessage = 10;

    private readonly PostgresSettings? _settings;
    private readonly MigrationFiles _files;
    private readonly string _table;
    private readonly string _column;

    public MigrationsCheck(PostgresSettings? settings, MigrationFiles files, string table, string column)
    {
        _settings = settings;
        _files = files;
        _table = table;
        _column = column;
    }

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
        if (pending.Count > 0)
            return CheckOutcome.Fail($"{pending.Count} of {migrations.Count} migration(s) pending: {Names(pending)}", data);
        return CheckOutcome.Pass($"all {migrations.Count} migration(s) applied (latest {migrations[^1].File})", data);
    }

    /// <summary>The applied versions, normalised; null when the table does not exist yet (nothing ever ran).</summary>
    private async Task<HashSet<string>?> AppliedAsync(CancellationToken ct)
    {
        await using var connection = PostgresConnection.Create(_settings!);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        var sql = $"SELECT {Quote(_column)}::text FROM {Quote(_table)} WHERE {Quote(_column)} IS NOT NULL";
        await using var cmd = new NpgsqlCommand(sql, connection);
        try
        {
            var result = new HashSet<string>(StringComparer.Ordinal);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) result.Add(MigrationFiles.Normalize(reader.GetString(0)));
            return result;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return null;
        }
    }

    /// <summary>Quotes each part of a (schema-qualified) identifier so configuration can never inject SQL.</summary>
    private static string Quote(string identifier) =>
        string.Join(".", identifier.Split('.').Select(p => "\"" + p.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= NamesInMessage
            ? string.Join(", ", names)
            : string.Join(", ", names.Take(NamesInMessage)) + $", … and {names.Count - NamesInMessage} more";
}
