using System.Collections.Concurrent;
using DeployOps.Engine.Configuration;
using Npgsql;

namespace DeployOps.Engine.Clients;

/// <summary>
/// The one place that opens PostgreSQL connections: one <see cref="NpgsqlDataSource"/> per configured database and
/// use (pooled, or unpooled where a connection must see the server as it is now or must never return to a pool),
/// kept for the engine's lifetime: <see cref="Shared"/> is disposed by <see cref="Hosting.EngineLifetime"/> when the
/// module is removed. Tests make their own instance so disposing it cannot disturb others running in parallel.
/// </summary>
internal sealed class PostgresDataSources : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new(StringComparer.Ordinal);

    public static PostgresDataSources Shared { get; } = new();

    /// <summary>Pooled: SQL steps, the migrations table, the shared state store's statements.</summary>
    public NpgsqlDataSource Pooled(PostgresSettings settings, string? database = null) =>
        For(settings, b => { if (database is not null) b.Database = database; });

    /// <summary>
    /// Unpooled: checks, health and drain probes (a pooled socket would hide a server that just went away), lock
    /// sessions (a pooled connection would keep the advisory lock) and backup catalog reads of another database.
    /// </summary>
    public NpgsqlDataSource Unpooled(PostgresSettings settings, Action<NpgsqlConnectionStringBuilder>? tune = null) =>
        For(settings, b => { b.Pooling = false; tune?.Invoke(b); });

    /// <summary>Drops the idle pooled connections, e.g. after a restore terminated every session (they are dead).</summary>
    public void ClearPools()
    {
        foreach (var source in _sources.Values)
            if (source.IsValueCreated) source.Value.Clear();
    }

    /// <summary>Closes every pooled connection and forgets the sources; a later request makes a new source.</summary>
    public void Dispose()
    {
        foreach (var key in _sources.Keys)
            if (_sources.TryRemove(key, out var source) && source.IsValueCreated) source.Value.Dispose();
    }

    /// <summary>How many sources exist (tests: one per database and use, however often it is asked for).</summary>
    internal int Count => _sources.Count;

    private NpgsqlDataSource For(PostgresSettings settings, Action<NpgsqlConnectionStringBuilder> shape)
    {
        var builder = settings.Builder();
        shape(builder);
        var connectionString = builder.ConnectionString;
        return _sources.GetOrAdd(connectionString, cs => new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(cs))).Value;
    }
}
