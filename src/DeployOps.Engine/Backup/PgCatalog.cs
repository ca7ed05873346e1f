using Npgsql;

namespace DeployOps.Engine.Backup;

/// <summary>The SQL the backup engine needs: exact row counts, the migration head, and database-level DDL.</summary>
internal static class PgCatalog
{
    // Ordinary tables (leaf partitions included) of user schemas, minus tables that belong to extensions.
    private const string TablesSql = """
        SELECT n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1, 2
        """;

    /// <summary>User relations now in the database (not extension members, not sequences owned by a column): "schema.name" → DROP keyword.</summary>
    public static async Task<Dictionary<(string Schema, string Name), string>> RelationsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        const string sql = """
            SELECT n.nspname, c.relname, c.relkind::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
            """;
        var result = new Dictionary<(string Schema, string Name), string>();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            result[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2) switch
            {
                "v" => "VIEW",
                "m" => "MATERIALIZED VIEW",
                "S" => "SEQUENCE",
                "f" => "FOREIGN TABLE",
                _ => "TABLE",
            };
        }
        return result;
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>"schema.table" (each part quoted when needed) → exact count(*).</summary>
    public static async Task<SortedDictionary<string, long>> CountRowsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx,
        CancellationToken ct)
    {
        var tables = new List<(string Schema, string Name)>();
        await using (var cmd = new NpgsqlCommand(TablesSql, conn, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) tables.Add((reader.GetString(0), reader.GetString(1)));
        }
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (schema, name) in tables)
        {
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {Quote(schema)}.{Quote(name)}", conn, tx);
            counts[$"{schema}.{name}"] = (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        return counts;
    }

    /// <summary>The greatest value of the migrations column, or null when the table does not exist (or is empty).</summary>
    public static async Task<string?> MigrationHeadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string table,
        string column, CancellationToken ct)
    {
        var qualified = string.Join('.', table.Split('.').Select(Quote));
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", conn, tx))
        {
            exists.Parameters.AddWithValue("t", qualified);
            if (!(bool)(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false))!) return null;
        }
        await using var cmd = new NpgsqlCommand($"SELECT max({Quote(column)})::text FROM {qualified}", conn, tx);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public static async Task<int> TerminateConnectionsAsync(NpgsqlConnection maintenance, string database, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @d AND pid <> pg_backend_pid()",
            maintenance);
        cmd.Parameters.AddWithValue("d", database);
        return (int)(long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    public static async Task CreateDatabaseAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        // template0: a restore target must not inherit objects someone added to template1.
        await ExecuteAsync(maintenance, $"CREATE DATABASE {Quote(name)} TEMPLATE template0", ct).ConfigureAwait(false);
    }

    public static async Task DropDatabaseAsync(NpgsqlConnection maintenance, string name, CancellationToken ct)
    {
        if (maintenance.PostgreSqlVersion.Major >= 13)
        {
            await ExecuteAsync(maintenance, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", ct).ConfigureAwait(false);
            return;
        }
        await TerminateConnectionsAsync(maintenance, name, ct).ConfigureAwait(false);
        await ExecuteAsync(maintenance, $"DROP DATABASE IF EXISTS {Quote(name)}", ct).ConfigureAwait(false);
    }

    public static async Task<bool> DatabaseExistsAsync(NpgsqlConnection conn, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @d)", conn);
        cmd.Parameters.AddWithValue("d", name);
        return (bool)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    public static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Runs the operator's verification query: passes when the first column of the first row is truthy.</summary>
    public static async Task<(bool Passed, string Detail)> RunVerifyQueryAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        try
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            var value = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            var passed = value switch
            {
                null or DBNull => false,
                bool b => b,
                string s => s.Length > 0 && s != "f" && s != "false" && s != "0",
                IConvertible c => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture) != 0,
                _ => true,
            };
            return (passed, $"verification query returned {(value is null or DBNull ? "no value" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture))}");
        }
        catch (PostgresException ex)
        {
            return (false, $"verification query failed: {ex.MessageText}");
        }
    }
}
