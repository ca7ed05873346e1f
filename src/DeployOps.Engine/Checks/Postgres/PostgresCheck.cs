using System.Diagnostics;
using DeployOps.Engine.Configuration;
using Npgsql;

namespace DeployOps.Engine.Checks.Postgres;

/// <summary>
/// Connects, runs <c>SELECT 1</c> (latency: the fastest of three), reads the server version, counts the sessions on the application's
/// database in <c>pg_stat_activity</c> and, when asked, the replay lag of every replica in <c>pg_stat_replication</c>.
/// </summary>
internal sealed class PostgresCheck : ICheck
{
    private readonly PostgresSettings? _settings;
    private readonly TimeSpan _warnLatency;
    private readonly int _maxConnections;
    private readonly int? _warnConnections;
    private readonly TimeSpan? _maxReplicationLag;

    public PostgresCheck(PostgresSettings? settings, TimeSpan warnLatency, int maxConnections, int? warnConnections, TimeSpan? maxReplicationLag)
    {
        _settings = settings;
        _warnLatency = warnLatency;
        _maxConnections = maxConnections;
        _warnConnections = warnConnections;
        _maxReplicationLag = maxReplicationLag;
    }

    public string Target => _settings?.Display ?? "(no database configured)";

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        if (_settings is null) return CheckOutcome.Fail("no PostgreSQL connection is configured");
        var findings = new CheckFindings();
        try
        {
            await using var connection = PostgresConnection.Create(_settings);
            var clock = Stopwatch.StartNew();
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            findings.Data["connectMs"] = Ms(clock.Elapsed);

            var latency = await RoundTrip.FastestAsync(async ct =>
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            findings.Data["latencyMs"] = Ms(latency);

            var (version, inRecovery) = await ServerAsync(connection, cancellationToken).ConfigureAwait(false);
            findings.Data["serverVersion"] = version;
            findings.Data["inRecovery"] = inRecovery;
            var latencyText = $"PostgreSQL {version} answered SELECT 1 in {Ms(latency)} ms";
            if (latency > _warnLatency) findings.Warn($"{latencyText} (above {ValueParsers.FormatDuration(_warnLatency)})");
            else findings.Note(latencyText);

            await CheckConnectionsAsync(connection, findings, cancellationToken).ConfigureAwait(false);
            if (_maxReplicationLag is { } maxLag) await CheckReplicationAsync(connection, maxLag, findings, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresConnection.IsConnectionProblem(ex) && !cancellationToken.IsCancellationRequested)
        {
            return CheckOutcome.Fail(PostgresConnection.Describe(ex, _settings), findings.Data);
        }
        return findings.ToOutcome();
    }

    private static async Task<(string Version, bool InRecovery)> ServerAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT current_setting('server_version'), pg_is_in_recovery()", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return (reader.GetString(0), reader.GetBoolean(1));
    }

    private async Task CheckConnectionsAsync(NpgsqlConnection connection, CheckFindings findings, CancellationToken ct)
    {
        // Our own session is not the application's load, so it is left out.
        const string sql = """
            SELECT count(*), count(*) FILTER (WHERE state = 'active')
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            """;
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        var sessions = reader.GetInt64(0);
        var running = reader.GetInt64(1);
        findings.Data["connections"] = sessions;
        findings.Data["runningQueries"] = running;
        findings.Data["maxActiveConnections"] = _maxConnections;
        var text = $"{sessions} other connection(s) to {_settings!.Database} ({running} running a query)";
        if (sessions > _maxConnections) findings.Fail($"{text}, above the limit of {_maxConnections}");
        else if (_warnConnections is { } warn && sessions > warn) findings.Warn($"{text}, above the warning level of {warn}");
        else findings.Note($"{text}, limit {_maxConnections}");
    }

    private static async Task CheckReplicationAsync(NpgsqlConnection connection, TimeSpan maxLag, CheckFindings findings, CancellationToken ct)
    {
        // replay_lag is NULL for an idle, caught-up replica (and for roles without pg_monitor): count it as zero.
        const string sql = """
            SELECT coalesce(application_name, ''), coalesce(host(client_addr), 'local'), coalesce(state, ''),
                   coalesce(extract(epoch FROM replay_lag), 0)::float8
            FROM pg_stat_replication ORDER BY 1, 2
            """;
        var replicas = new List<Dictionary<string, object?>>();
        await using (var cmd = new NpgsqlCommand(sql, connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                replicas.Add(new Dictionary<string, object?>
                {
                    ["name"] = reader.GetString(0),
                    ["address"] = reader.GetString(1),
                    ["state"] = reader.GetString(2),
                    ["lagSeconds"] = Math.Round(reader.GetDouble(3), 3),
                });
        }
        findings.Data["replicas"] = replicas;
        findings.Data["maxReplicationLagSeconds"] = maxLag.TotalSeconds;
        if (replicas.Count == 0)
        {
            findings.Note("no replicas attached, so no replication lag to check");
            return;
        }
        var worst = replicas.Max(r => (double)r["lagSeconds"]!);
        findings.Data["replicationLagSeconds"] = worst;
        var lagging = replicas.Where(r => (double)r["lagSeconds"]! > maxLag.TotalSeconds).ToList();
        var notStreaming = replicas.Where(r => (string)r["state"]! != "streaming").ToList();
        if (lagging.Count > 0)
            findings.Fail($"replication lag {ValueParsers.FormatDuration(TimeSpan.FromSeconds(worst))} on " +
                $"{string.Join(", ", lagging.Select(Name))} exceeds {ValueParsers.FormatDuration(maxLag)}");
        else findings.Note($"{replicas.Count} replica(s), worst lag {ValueParsers.FormatDuration(TimeSpan.FromSeconds(worst))}");
        if (notStreaming.Count > 0)
            findings.Warn($"replica(s) not streaming: {string.Join(", ", notStreaming.Select(r => $"{Name(r)} ({r["state"]})"))}");
    }

    private static string Name(Dictionary<string, object?> replica) =>
        (string)replica["name"]! is { Length: > 0 } name ? $"{name}@{replica["address"]}" : (string)replica["address"]!;

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 2);
}
