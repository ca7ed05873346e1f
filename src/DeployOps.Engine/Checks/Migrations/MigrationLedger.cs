using Npgsql;

namespace DeployOps.Engine.Checks.Migrations;

/// <summary>The migrations table: which versions a database says it has applied.</summary>
internal static class MigrationLedger
{
    /// <summary>The applied versions, normalised; null when the table does not exist yet (nothing ever ran).</summary>
    public static async Task<HashSet<string>?> AppliedAsync(NpgsqlConnection connection, string table, string column, CancellationToken ct)
    {
        var sql = $"SELECT {Quote(column)}::text FROM {Quote(table)} WHERE {Quote(column)} IS NOT NULL";
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
    public static string Quote(string identifier) =>
        string.Join(".", identifier.Split('.').Select(p => "\"" + p.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
}
