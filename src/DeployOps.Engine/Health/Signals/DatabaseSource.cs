using DeployOps.Engine.Clients;
using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using Npgsql;

namespace DeployOps.Engine.Health.Signals;

/// <summary>
/// <c>SELECT 1</c> over one kept connection (reopened after a failure): its round trip is dbLatency, and the
/// streak of consecutive failures is dbDown. An unreachable database is evidence, not a source error.
/// Also the connections the application's user holds on its database (pg_stat_activity, ours excluded), and their
/// growth since the watch began: a leaking pool grows, a healthy one stays stable.
/// </summary>
internal sealed class DatabaseSource : ISignalSource
{
    private readonly PostgresSettings _settings;
    private readonly TimeSpan _timeout;
    private NpgsqlConnection? _connection;
    private int _streak;
    private double? _connectionsAtStart;

    public DatabaseSource(PostgresSettings settings, TimeSpan timeout)
    {
        _settings = settings;
        _timeout = timeout;
    }

    public string Name => "database";

    /// <summary>Opens the connection and runs one query, so the first sample measures a query, not the login.</summary>
    public async Task<SourceReading> PrimeAsync(CancellationToken cancellationToken)
    {
        var first = await ReadAsync(cancellationToken).ConfigureAwait(false);
        _connectionsAtStart = first.Signals.TryGetValue(HealthSignals.DbConnections, out var c) ? c : null;
        _streak = 0;
        return SourceReading.Empty;
    }

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var reading = new SourceReading();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var clock = new Stopwatch();
        try
        {
            if (_connection is null)
            {
                var seconds = Math.Max(1, (int)Math.Ceiling(_timeout.TotalSeconds));
                _connection = PostgresDataSources.Shared.Unpooled(_settings, b => b.Timeout = seconds).CreateConnection();
                await _connection.OpenAsync(timeout.Token).ConfigureAwait(false);
            }
            clock.Start();
            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            clock.Stop();
            _streak = 0;
            reading.Set(HealthSignals.DbLatency, clock.Elapsed.TotalMilliseconds);
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()", _connection);
            var connections = Convert.ToDouble(await count.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            reading.Set(HealthSignals.DbConnections, connections);
            _connectionsAtStart ??= connections;
            reading.Set(HealthSignals.DbConnectionGrowth, connections - _connectionsAtStart.Value);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or IOException or InvalidOperationException or System.Net.Sockets.SocketException
                                   && !cancellationToken.IsCancellationRequested)
        {
            _streak++;
            await DropConnectionAsync().ConfigureAwait(false);
            var why = ex is OperationCanceledException ? $"no answer within {ValueParsers.FormatDuration(_timeout)}" : ex.Message;
            reading.Notes.Add($"database {_settings.Display} unreachable ({_streak} in a row): {why}");
            reading.Unreadable[HealthSignals.DbLatency] = "database unreachable";
        }
        reading.Set(HealthSignals.DbDown, _streak);
        return reading;
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is null) return;
        try { await _connection.DisposeAsync().ConfigureAwait(false); }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException) { }
        _connection = null;
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync().ConfigureAwait(false);
}
