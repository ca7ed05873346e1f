using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using Npgsql;

namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>
/// Client sessions of the application's database in pg_stat_activity (by default only the ones doing something:
/// idle pooled connections do not hold work), never counting our own session.
/// </summary>
internal sealed class PostgresActivityCountSource : IDrainSource
{
    private readonly PostgresSettings _postgres;
    private readonly string _database;
    private readonly bool _includeIdle;
    private readonly TimeSpan _timeout;

    public PostgresActivityCountSource(PostgresSettings postgres, string? database, bool includeIdle, TimeSpan timeout)
    {
        _postgres = postgres;
        _database = database ?? postgres.Database;
        _includeIdle = includeIdle;
        _timeout = timeout;
    }

    public string Description => $"{(_includeIdle ? "sessions" : "non-idle sessions")} of database {_database} in pg_stat_activity ({_postgres.Display})";

    public async Task<long> ReadAsync(CancellationToken cancellationToken)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(_timeout.TotalSeconds));
        var source = PostgresDataSources.Shared.Unpooled(_postgres, b => { b.Timeout = seconds; b.CommandTimeout = seconds; });
        try
        {
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() " +
                "AND backend_type = 'client backend'" + (_includeIdle ? "" : " AND state IS DISTINCT FROM 'idle'"), connection);
            command.Parameters.AddWithValue(_database);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new DrainSourceException($"cannot count sessions on {_postgres.Display}: {ex.Message}", ex);
        }
    }
}
