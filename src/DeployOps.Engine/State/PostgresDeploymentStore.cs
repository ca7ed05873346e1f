using DeployOps.Engine.Clients;
using System.Text;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using Npgsql;

namespace DeployOps.Engine.State;

/// <summary>
/// The shared store (<c>state.store: postgres</c>) for admins deploying from several hosts. The lock is a
/// session advisory lock held by a dedicated, unpooled connection for the deployment's life (the server frees it
/// when that session ends, however it ends) plus a row in deployops_locks naming the holder. Journals and
/// history live in deployops_journal and deployops_deployments, created on first use.
/// </summary>
internal sealed partial class PostgresDeploymentStore : IDeploymentStore
{
    /// <summary>First half of every DeployOps advisory key ("DPOP"); the second half hashes application/environment.</summary>
    internal const int LockNamespace = 0x44504F50;

    private readonly StateSettings _state;
    private readonly Redactor _redactor;
    private readonly PostgresSettings _postgres;
    private readonly JournalSequencer _sequencer;
    private readonly TimeProvider _clock;
    private bool _schemaReady;

    public PostgresDeploymentStore(StateSettings state, string application, string environment, Redactor redactor, TimeProvider? clock = null)
    {
        _state = state;
        _clock = clock ?? TimeProvider.System;
        _sequencer = new JournalSequencer(redactor);
        _redactor = redactor;
        _postgres = state.Postgres ?? throw new DeployOpsException(ErrorIds.StateStoreUnavailable, ErrorKind.InvalidArgument,
            "state.store is postgres but no database is configured (state.postgres or postgres).");
        Application = application;
        Environment = environment;
        LockKey = KeyFor(application, environment);
    }

    public string Application { get; }
    public string Environment { get; }
    public string Location => "postgres " + _postgres.Display;
    internal int LockKey { get; }

    /// <summary>FNV-1a of "application\nenvironment", kept positive so it reads the same in pg_locks.objid.</summary>
    internal static int KeyFor(string application, string environment)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(application + "\n" + environment))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return (int)(hash & 0x7FFFFFFF);
    }

    // ---- lock -------------------------------------------------------------------------------------------

    public async Task<IDeploymentLock> AcquireLockAsync(string deploymentId, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        return await LockAcquisition.AcquireAsync((settling, c) => TryAcquireAsync(deploymentId, settling, c), _clock, ct).ConfigureAwait(false);
    }

    /// <summary>One try (see <see cref="LockAcquisition"/>): the lock, null to look again, or Locked.</summary>
    private async Task<IDeploymentLock?> TryAcquireAsync(string deploymentId, bool settling, CancellationToken ct)
    {
        var session = await OpenAsync(ct, dedicated: true).ConfigureAwait(false);
        var keep = false;
        try
        {
            var won = (bool)(await Scalar(session, "SELECT pg_try_advisory_lock(@k1, @k2)", ct).ConfigureAwait(false))!;
            if (won)
            {
                var holder = LockHolder.ForMe(Application, Environment, deploymentId);
                await using (var cmd = Command(session, """
                    INSERT INTO deployops_locks (application, environment, deployment_id, owner, host, pid, process_start, acquired, backend_pid)
                    VALUES (@app, @env, @id, @owner, @host, @pid, @pstart, @acquired, pg_backend_pid())
                    ON CONFLICT (application, environment) DO UPDATE SET deployment_id = EXCLUDED.deployment_id,
                      owner = EXCLUDED.owner, host = EXCLUDED.host, pid = EXCLUDED.pid, process_start = EXCLUDED.process_start,
                      acquired = EXCLUDED.acquired, backend_pid = EXCLUDED.backend_pid
                    """))
                {
                    cmd.Parameters.AddWithValue("id", deploymentId);
                    cmd.Parameters.AddWithValue("owner", holder.Owner);
                    cmd.Parameters.AddWithValue("host", holder.Host);
                    cmd.Parameters.AddWithValue("pid", holder.Pid);
                    cmd.Parameters.AddWithValue("pstart", (object?)holder.ProcessStart?.ToUniversalTime() ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("acquired", holder.Acquired.ToUniversalTime());
                    await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                keep = true;
                return new PostgresLock(this, session, holder.ToInfo(Location, _state.LockTtl));
            }
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
        finally
        {
            if (!keep) await session.DisposeAsync().ConfigureAwait(false);
        }
        var current = await ReadLockAsync(ct).ConfigureAwait(false);
        // The winner may not have written its row yet (or it still names a dead predecessor): look again.
        if (current is null || (settling && (current.DeploymentId == "unknown" || current.IsStale))) return null;
        throw LockErrors.Locked(Application, Environment, current);
    }

    public async Task<LockInfo?> GetLockAsync(CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        return await ReadLockAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The advisory lock's holder as pg_locks sees it, described by its row when the row is its own.</summary>
    private async Task<LockInfo?> ReadLockAsync(CancellationToken ct)
    {
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = Command(conn, """
                SELECT l.pid, d.deployment_id, d.owner, d.host, d.pid, d.process_start, d.acquired, d.backend_pid
                FROM pg_locks l
                LEFT JOIN deployops_locks d ON d.application = @app AND d.environment = @env
                WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid = @k1::bigint::oid AND l.objid = @k2::bigint::oid AND l.objsubid = 2 AND l.granted
                """);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false)) return null;
            var backend = reader.GetInt32(0);
            if (reader.IsDBNull(1) || reader.GetInt32(7) != backend)
                return new LockInfo(Application, Environment, "unknown", "unknown", "unknown", 0, DateTimeOffset.UtcNow,
                    $"{Location} (backend pid {backend})", null);
            var holder = new LockHolder(Application, Environment, reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetFieldValue<DateTimeOffset>(6));
            return holder.ToInfo(Location, _state.LockTtl);
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    public async Task<LockInfo> BreakLockAsync(bool force, CancellationToken ct)
    {
        var held = await GetLockAsync(ct).ConfigureAwait(false) ?? throw new DeployOpsException(ErrorIds.LockNotHeld,
            ErrorKind.ObjectNotFound, $"No deployment holds the lock of {Application}/{Environment} in {Location}.", Location);
        if (!held.IsStale && !force)
            throw LockErrors.NotStale(Application, Environment, held);
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            // Ending the holder's session is the only way to free a session advisory lock it holds.
            await using (var cmd = Command(conn, """
                SELECT pg_terminate_backend(l.pid) FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid = @k1::bigint::oid AND l.objid = @k2::bigint::oid AND l.objsubid = 2 AND l.granted
                """))
            {
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using (var cmd = Command(conn, "DELETE FROM deployops_locks WHERE application = @app AND environment = @env"))
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new DeployOpsException(ErrorIds.StateStoreUnavailable, ErrorKind.PermissionDenied,
                $"Cannot end the session holding the lock of {Application}/{Environment} in {Location}: {_redactor.Redact(ex.Message)}",
                Location, ex);
        }
        for (var i = 0; i < 100 && await ReadLockAsync(ct).ConfigureAwait(false) is not null; i++)
            await Task.Delay(50, ct).ConfigureAwait(false); // the terminated backend exits asynchronously
        return held;
    }

    private sealed class PostgresLock : IDeploymentLock
    {
        private readonly PostgresDeploymentStore _store;
        private NpgsqlConnection? _session;

        public PostgresLock(PostgresDeploymentStore store, NpgsqlConnection session, LockInfo holder)
        {
            _store = store;
            _session = session;
            Holder = holder;
        }

        public LockInfo Holder { get; }

        public async Task EnsureHeldAsync(CancellationToken ct)
        {
            long held = 0;
            if (_session is not null)
            {
                try
                {
                    held = (long)(await _store.Scalar(_session, """
                        SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'
                          AND classid = @k1::bigint::oid AND objid = @k2::bigint::oid AND objsubid = 2 AND granted
                        """, ct).ConfigureAwait(false))!;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                {
                    held = 0; // the session was terminated or lost
                }
            }
            if (held == 0)
                throw new DeployOpsException(ErrorIds.LockNotHeld, ErrorKind.InvalidOperation,
                    $"Deployment {Holder.DeploymentId} no longer holds the lock of {Holder.Application}/{Holder.Environment} " +
                    $"in {_store.Location}: its session ended (Unlock-Deployment -Force, or the connection was lost).", Holder);
        }

        public async Task ReleaseAsync()
        {
            if (_session is null) return;
            try
            {
                await using (var cmd = _store.Command(_session,
                    "DELETE FROM deployops_locks WHERE application = @app AND environment = @env AND backend_pid = pg_backend_pid()"))
                    await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
                await _store.Scalar(_session, "SELECT pg_advisory_unlock(@k1, @k2)", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // A terminated or lost session already freed the lock.
            }
            await _session.DisposeAsync().ConfigureAwait(false);
            _session = null;
        }

        public ValueTask DisposeAsync() => new(ReleaseAsync());
    }

    // ---- journal ----------------------------------------------------------------------------------------

    public async Task<JournalEvent> AppendAsync(string deploymentId, JournalEvent entry, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            return await _sequencer.AppendAsync(deploymentId, entry, async () =>
            {
                await using var max = Command(conn, "SELECT coalesce(max(seq), 0) FROM deployops_journal WHERE deployment_id = @id");
                max.Parameters.AddWithValue("id", deploymentId);
                return (long)(await max.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            }, written => InsertAsync(conn, deploymentId, written, ct), ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new DeployOpsException(ErrorIds.JournalWriteFailed, ErrorKind.ResourceUnavailable,
                $"Cannot append to the deployment journal in {Location}: {_redactor.Redact(ex.Message)}", Location, ex);
        }
    }

    private async Task InsertAsync(NpgsqlConnection conn, string deploymentId, JournalEvent written, CancellationToken ct)
    {
        await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            if (written.Kind == JournalEventKind.Started)
            {
                await using var insert = Command(conn, """
                    INSERT INTO deployops_deployments (id, application, environment, started, outcome)
                    VALUES (@id, @app, @env, @time, 'Running') ON CONFLICT (id) DO NOTHING
                    """);
                insert.Parameters.AddWithValue("id", deploymentId);
                insert.Parameters.AddWithValue("time", written.Time.ToUniversalTime());
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using (var cmd = Command(conn, "INSERT INTO deployops_journal (deployment_id, seq, event) VALUES (@id, @seq, @event::jsonb)"))
            {
                cmd.Parameters.AddWithValue("id", deploymentId);
                cmd.Parameters.AddWithValue("seq", written.Sequence);
                cmd.Parameters.AddWithValue("event", JournalCodec.Encode(written));
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        if (written.Kind is JournalEventKind.Ended or JournalEventKind.Resumed)
            await SaveSummaryAsync(conn, deploymentId, ct).ConfigureAwait(false);
    }

    /// <summary>Outcome, end and the record as JSON on the deployments row, for SQL reporting; the journal stays authoritative.</summary>
    private async Task SaveSummaryAsync(NpgsqlConnection conn, string deploymentId, CancellationToken ct)
    {
        var record = JournalProjection.Build(deploymentId, await ReadEventsAsync(conn, deploymentId, ct).ConfigureAwait(false), holderAlive: true);
        if (record is null) return;
        await using var cmd = Command(conn, "UPDATE deployops_deployments SET outcome = @outcome, ended = @ended, record = @record::jsonb WHERE id = @id");
        cmd.Parameters.AddWithValue("id", deploymentId);
        cmd.Parameters.AddWithValue("outcome", record.Outcome.ToString());
        cmd.Parameters.AddWithValue("ended", (object?)record.End?.ToUniversalTime() ?? DBNull.Value);
        cmd.Parameters.AddWithValue("record", JournalCodec.RecordJson(record));
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(string deploymentId, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            var events = await ReadEventsAsync(conn, deploymentId, ct).ConfigureAwait(false);
            if (events.Count == 0)
                throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                    $"No deployment {deploymentId} in {Location}.", deploymentId);
            return events;
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    private async Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(NpgsqlConnection conn, string deploymentId, CancellationToken ct) =>
        (await ReadEventsAsync(conn, new[] { deploymentId }, ct).ConfigureAwait(false)).GetValueOrDefault(deploymentId)
        ?? (IReadOnlyList<JournalEvent>)Array.Empty<JournalEvent>();

    private async Task<Dictionary<string, IReadOnlyList<JournalEvent>>> ReadEventsAsync(NpgsqlConnection conn,
        IReadOnlyList<string> ids, CancellationToken ct)
    {
        var result = new Dictionary<string, IReadOnlyList<JournalEvent>>(StringComparer.Ordinal);
        await using var cmd = Command(conn, "SELECT deployment_id, event::text FROM deployops_journal WHERE deployment_id = ANY(@ids) ORDER BY deployment_id, seq");
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            if (JournalCodec.Decode(reader.GetString(1)) is not { } e) continue;
            var id = reader.GetString(0);
            if (!result.TryGetValue(id, out var list)) result[id] = list = new List<JournalEvent>();
            ((List<JournalEvent>)list).Add(e);
        }
        return result;
    }

    // ---- records and history ----------------------------------------------------------------------------

    public async Task<DeploymentRecord?> GetAsync(string deploymentId, CancellationToken ct)
    {
        var found = await LoadAsync("d.id = @id", 0, ct, ("id", deploymentId)).ConfigureAwait(false);
        return found.FirstOrDefault();
    }

    public async Task<IReadOnlyList<DeploymentRecord>> ListAsync(HistoryQuery query, CancellationToken ct)
    {
        // Without an outcome filter the newest N rows are the answer; with one, Running rows may turn out Interrupted.
        // Traffic switches are left out in SQL (by their id) so that LIMIT counts deployments only.
        var where = query.IncludeTrafficSwitches ? "true" : $"d.id NOT LIKE '{TrafficSwitchHistory.IdPrefix}%'";
        var rows = await LoadAsync(where, query.Outcomes.Count == 0 ? query.Last : 0, ct).ConfigureAwait(false);
        var filtered = rows.Where(r => query.Admits(r) && (query.Outcomes.Count == 0 || query.Outcomes.Contains(r.Outcome)));
        return (query.Last > 0 ? filtered.Take(query.Last) : filtered).ToList();
    }

    private async Task<IReadOnlyList<DeploymentRecord>> LoadAsync(string where, int limit, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        try
        {
            var lockInfo = await ReadLockAsync(ct).ConfigureAwait(false);
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            var ids = new List<string>();
            await using (var cmd = Command(conn,
                $"SELECT d.id FROM deployops_deployments d WHERE d.application = @app AND d.environment = @env AND {where} " +
                "ORDER BY d.started DESC, d.id DESC" + (limit > 0 ? $" LIMIT {limit}" : "")))
            {
                foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
                await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false)) ids.Add(reader.GetString(0));
            }
            var journals = await ReadEventsAsync(conn, ids, ct).ConfigureAwait(false);
            return ids.Select(id => JournalProjection.Build(id, journals.GetValueOrDefault(id) ?? Array.Empty<JournalEvent>(),
                    holderAlive: lockInfo is { IsStale: false } && lockInfo.DeploymentId == id))
                .OfType<DeploymentRecord>().ToList();
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------------------

    private async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_schemaReady) return;
        await CreateTablesAsync("""
            CREATE TABLE IF NOT EXISTS deployops_deployments (
              id text PRIMARY KEY, application text NOT NULL, environment text NOT NULL,
              started timestamptz NOT NULL, ended timestamptz, outcome text NOT NULL, record jsonb);
            CREATE INDEX IF NOT EXISTS deployops_deployments_history ON deployops_deployments (application, environment, started DESC);
            CREATE TABLE IF NOT EXISTS deployops_journal (
              deployment_id text NOT NULL REFERENCES deployops_deployments (id), seq bigint NOT NULL, event jsonb NOT NULL,
              PRIMARY KEY (deployment_id, seq));
            CREATE TABLE IF NOT EXISTS deployops_locks (
              application text NOT NULL, environment text NOT NULL, deployment_id text NOT NULL, owner text NOT NULL,
              host text NOT NULL, pid integer NOT NULL, process_start timestamptz, acquired timestamptz NOT NULL,
              backend_pid integer NOT NULL, PRIMARY KEY (application, environment));
            """, ct).ConfigureAwait(false);
        _schemaReady = true;
    }

    /// <summary>Runs <paramref name="ddl"/> (CREATE … IF NOT EXISTS) in one transaction, serialised across hosts.</summary>
    private async Task CreateTablesAsync(string ddl, CancellationToken ct)
    {
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            // Serialise first use across hosts: concurrent CREATE TABLE IF NOT EXISTS can still collide.
            await using (var cmd = Command(conn, "SELECT pg_advisory_xact_lock(@k1, 0)"))
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await using (var cmd = Command(conn, ddl))
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>A lock session never comes from or returns to a pool: a pooled connection would keep the lock.</summary>
    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct, bool dedicated = false)
    {
        var source = dedicated
            ? PostgresDataSources.Shared.Unpooled(_postgres, b =>
            {
                b.ApplicationName = $"DeployOps lock {Application}/{Environment}";
                b.KeepAlive = 10; // a vanished host's session (and lock) is noticed by the server in time
            })
            : PostgresDataSources.Shared.Pooled(_postgres);
        var conn = source.CreateConnection();
        try
        {
            await conn.OpenAsync(ct).ConfigureAwait(false);
            return conn;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw Unavailable(ex);
        }
    }

    private NpgsqlCommand Command(NpgsqlConnection conn, string sql)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        if (sql.Contains("@app")) cmd.Parameters.AddWithValue("app", Application);
        if (sql.Contains("@env")) cmd.Parameters.AddWithValue("env", Environment);
        if (sql.Contains("@k1")) cmd.Parameters.AddWithValue("k1", LockNamespace);
        if (sql.Contains("@k2")) cmd.Parameters.AddWithValue("k2", LockKey);
        return cmd;
    }

    private async Task<object?> Scalar(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = Command(conn, sql);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private DeployOpsException Unavailable(Exception ex) =>
        new(ErrorIds.StateStoreUnavailable, ErrorKind.ConnectionError,
            $"The PostgreSQL deployment store {Location} is unavailable: {_redactor.Redact(ex.Message)}", Location, ex);

    public ValueTask DisposeAsync()
    {
        _sequencer.Dispose();
        return ValueTask.CompletedTask;
    }
}
