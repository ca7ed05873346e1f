using DeployOps.Engine.Hosting;
using Npgsql;

namespace DeployOps.Engine.State;

/// <summary>Remove-DeploymentHistory on the PostgreSQL store: its rows go in one transaction.</summary>
internal sealed partial class PostgresDeploymentStore
{
    public async Task<IReadOnlyList<string>> DescribeHistoryAsync(string deploymentId, CancellationToken ct)
    {
        if (await GetAsync(deploymentId, ct).ConfigureAwait(false) is null) return Array.Empty<string>();
        await EnsureApprovalsSchemaAsync(ct).ConfigureAwait(false);
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var cmd = Command(conn, """
                SELECT (SELECT count(*) FROM deployops_journal WHERE deployment_id = @id),
                       (SELECT count(*) FROM deployops_approvals WHERE deployment_id = @id)
                """);
            cmd.Parameters.AddWithValue("id", deploymentId);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return new[]
            {
                $"{Location}: deployops_deployments row {deploymentId}",
                $"{Location}: {reader.GetInt64(0)} deployops_journal event(s)",
                $"{Location}: {reader.GetInt64(1)} deployops_approvals row(s)",
            };
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable(ex);
        }
    }

    public async Task RemoveHistoryAsync(string deploymentId, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct).ConfigureAwait(false);
        await EnsureApprovalsSchemaAsync(ct).ConfigureAwait(false);
        int removed;
        try
        {
            await using var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            // Journal events first (they reference the row), and only when the row is this application/environment's.
            await using (var cmd = Command(conn, """
                WITH gone AS (DELETE FROM deployops_journal WHERE deployment_id = @id
                  AND EXISTS (SELECT 1 FROM deployops_deployments WHERE id = @id AND application = @app AND environment = @env))
                SELECT 1
                """))
            {
                cmd.Parameters.AddWithValue("id", deploymentId);
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using (var cmd = Command(conn, "DELETE FROM deployops_deployments WHERE id = @id AND application = @app AND environment = @env"))
            {
                cmd.Parameters.AddWithValue("id", deploymentId);
                removed = await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            if (removed == 1)
            {
                await using var cmd = Command(conn, "DELETE FROM deployops_approvals WHERE deployment_id = @id");
                cmd.Parameters.AddWithValue("id", deploymentId);
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex)
        {
            throw new DeployOpsException(ErrorIds.JournalWriteFailed, ErrorKind.ResourceUnavailable,
                $"Cannot remove the history of deployment {deploymentId} from {Location}: {_redactor.Redact(ex.Message)}", Location, ex);
        }
        if (removed == 0)
            throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No deployment {deploymentId} of {Application}/{Environment} in {Location}.", deploymentId);
    }
}
