using DeployOps.Engine.Backup;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using Npgsql;

namespace DeployOps.Engine.Tests.Backup;

/// <summary>
/// A pg_dump that loses its server session mid-dump: the error leads with pg_dump's own cause (its error/FATAL
/// lines), not with the --verbose progress before it or a wrapper's "Exception while reading from stream".
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PgDiagnosticsTests
{
    private readonly PostgresFixture _pg;

    public PgDiagnosticsTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task A_dump_whose_session_is_terminated_reports_the_cause_first()
    {
        using var ctx = new BackupTestContext(_pg);
        // Hold a lock pg_dump must wait for, so its session can be ended while it is provably mid-dump.
        await using var holder = new NpgsqlConnection(_pg.ConnectionString(ctx.Database));
        await holder.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var lockCmd = new NpgsqlCommand("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", holder, tx)) await lockCmd.ExecuteNonQueryAsync();

        var backup = ctx.Manager.BackupAsync(new BackupOptions(), new RecordingSink(), CancellationToken.None);
        var terminated = false;
        for (var i = 0; i < 600 && !terminated && !backup.IsCompleted; i++)
        {
            terminated = _pg.Scalar<bool>("postgres", $"""
                SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_stat_activity
                WHERE datname = '{ctx.Database}' AND wait_event_type = 'Lock' AND query ILIKE 'LOCK TABLE%'
                """);
            if (!terminated) await Task.Delay(50);
        }
        Assert.True(terminated, "pg_dump never waited for the lock");
        await tx.RollbackAsync();

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => backup);

        Assert.Equal(ErrorIds.BackupFailed, ex.ErrorId);
        var cause = ex.Message[(ex.Message.IndexOf("): ", StringComparison.Ordinal) + 3)..];
        Assert.StartsWith("pg_dump: error:", cause);
        Assert.Contains("terminating connection due to administrator command", cause);
        Assert.DoesNotContain("Exception while reading from stream", ex.Message);
        Assert.DoesNotContain(PostgresFixture.Password, ex.Message);
    }

    [Fact]
    public void Progress_lines_are_trimmed_after_the_cause()
    {
        var lines = Enumerable.Range(1, 12).Select(i => $"pg_dump: dumping contents of table \"public.t{i}\"")
            .Append("pg_dump: error: Dumping the contents of table \"orders\" failed: PQgetResult() failed.")
            .Append("pg_dump: detail: Error message from server: server closed the connection unexpectedly")
            .ToList();

        var text = PgDiagnostics.Summarize(lines);

        Assert.StartsWith("pg_dump: error: Dumping the contents of table \"orders\" failed: PQgetResult() failed. | pg_dump: detail: Error message from server", text);
        Assert.EndsWith("(last progress: pg_dump: dumping contents of table \"public.t11\" | pg_dump: dumping contents of table \"public.t12\")", text);
        Assert.DoesNotContain("public.t10", text);
    }
}
