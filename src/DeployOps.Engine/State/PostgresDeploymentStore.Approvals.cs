using DeployOps.Engine.Strategies;
using Npgsql;

namespace DeployOps.Engine.State;

/// <summary>
/// Canary approvals in the shared store: the deployops_approvals table (created on first use) holds one pending row
/// per waiting deployment and one decided row (kind 'approved'; <c>denied</c> true for Deny-Deployment) per deployment
/// and gate, so Approve-Deployment and Deny-Deployment work from any host.
/// </summary>
internal sealed partial class PostgresDeploymentStore : IApprovalStore
{
    private const string Pending = "pending";
    private const string Approved = "approved";
    private bool _approvalsReady;

    public string ApprovalLocation => Location + " (deployops_approvals)";

    public Task<DeploymentApproval?> FindApprovalAsync(string deploymentId, string gate, CancellationToken ct) =>
        ReadApprovalAsync(deploymentId, Approved, gate, ct);

    public Task<DeploymentApproval?> FindPendingAsync(string deploymentId, CancellationToken ct) =>
        ReadApprovalAsync(deploymentId, Pending, null, ct);

    public Task SetPendingAsync(DeploymentApproval pending, CancellationToken ct) => WriteApprovalAsync(pending, Pending, ct);

    public Task ClearPendingAsync(string deploymentId, CancellationToken ct) => ExecuteApprovalsAsync(
        "DELETE FROM deployops_approvals WHERE deployment_id = @id AND kind = 'pending'", ct, ("id", deploymentId));

    public Task SaveApprovalAsync(DeploymentApproval approval, CancellationToken ct) => WriteApprovalAsync(approval, Approved, ct);

    private async Task WriteApprovalAsync(DeploymentApproval a, string kind, CancellationToken ct)
    {
        // A deployment waits on one gate at a time: its pending row is replaced, not added to.
        var clear = kind == Pending ? "DELETE FROM deployops_approvals WHERE deployment_id = @id AND kind = 'pending'; " : "";
        await ExecuteApprovalsAsync(clear + """
            INSERT INTO deployops_approvals (deployment_id, kind, gate, application, environment, approved_by, host, at, reason, denied)
            VALUES (@id, @kind, @gate, @app, @env, @by, @host, @at, @reason, @denied)
            ON CONFLICT (deployment_id, kind, gate) DO UPDATE SET approved_by = EXCLUDED.approved_by, host = EXCLUDED.host,
              at = EXCLUDED.at, reason = EXCLUDED.reason, denied = EXCLUDED.denied
            """, ct, ("id", a.DeploymentId), ("kind", kind), ("gate", a.Gate), ("by", a.ApprovedBy), ("host", a.Host),
            ("at", a.Time.ToUniversalTime()), ("reason", (object?)a.Reason ?? DBNull.Value), ("denied", a.Denied)).ConfigureAwait(false);
    }

    private async Task<DeploymentApproval?> ReadApprovalAsync(string deploymentId, string kind, string? gate, CancellationToken ct)
    {
        await EnsureApprovalsSchemaAsync(ct).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = Command(conn, """
                SELECT gate, approved_by, host, at, reason, denied FROM deployops_approvals
                WHERE deployment_id = @id AND kind = @kind AND (@gate::text IS NULL OR gate = @gate)
                  AND application = @app AND environment = @env
                ORDER BY at DESC LIMIT 1
                """);
            cmd.Parameters.AddWithValue("id", deploymentId);
            cmd.Parameters.AddWithValue("kind", kind);
            cmd.Parameters.AddWithValue("gate", (object?)gate ?? DBNull.Value);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false)) return null;
            return new DeploymentApproval(deploymentId, reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5));
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    private async Task ExecuteApprovalsAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await EnsureApprovalsSchemaAsync(ct).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = Command(conn, sql);
            foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    private async Task EnsureApprovalsSchemaAsync(CancellationToken ct)
    {
        if (_approvalsReady) return;
        await CreateTablesAsync("""
            CREATE TABLE IF NOT EXISTS deployops_approvals (
              deployment_id text NOT NULL, kind text NOT NULL CHECK (kind IN ('pending', 'approved')), gate text NOT NULL,
              application text NOT NULL, environment text NOT NULL, approved_by text NOT NULL, host text NOT NULL,
              at timestamptz NOT NULL, reason text, PRIMARY KEY (deployment_id, kind, gate));
            ALTER TABLE deployops_approvals ADD COLUMN IF NOT EXISTS denied boolean NOT NULL DEFAULT false;
            """, ct).ConfigureAwait(false);
        _approvalsReady = true;
    }
}
