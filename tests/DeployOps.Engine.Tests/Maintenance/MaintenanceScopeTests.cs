using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>The scope Invoke-Deployment uses: exit in finally unless configured to stay on failure; audited either way.</summary>
public sealed class MaintenanceScopeTests
{
    [Fact]
    public async Task Completed_work_exits_maintenance_on_dispose()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile);
        await using (var scope = await MaintenanceMode.BeginScopeAsync(cfg.Config, "deploy 2.4", "dep-42", new RecordingSink(), default))
        {
            Assert.Equal(MaintenanceStatus.On, scope.Entered.Status);
            Assert.Equal("dep-42", scope.Entered.DeploymentId);
            Assert.True(File.Exists(cfg.FlagPath));
            scope.Complete();
        }
        Assert.False(File.Exists(cfg.FlagPath));
        var audit = cfg.Audit();
        Assert.Contains(audit, a => a.Command == "Invoke-Deployment" && a.Action == "enter maintenance" && a.DeploymentId == "dep-42");
        Assert.Contains(audit, a => a.Action == "exit maintenance" && a.Outcome == "Succeeded" && a.DeploymentId == "dep-42");
        Assert.Contains(audit, a => a.Action == "leave maintenance scope" && a.Outcome == "Exited" && a.Details["workSucceeded"] == "true");
    }

    [Fact]
    public async Task Failed_work_exits_too_unless_configured_to_stay_on()
    {
        using (var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await using var scope = await MaintenanceMode.BeginScopeAsync(cfg.Config, "deploy", "dep-1", new RecordingSink(), default);
                throw new InvalidOperationException("migration failed");
            });
            Assert.False(File.Exists(cfg.FlagPath));
            Assert.Contains(cfg.Audit(), a => a.Action == "leave maintenance scope" && a.Outcome == "Exited" && a.Details["workSucceeded"] == "false");
        }

        using var stay = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile + "  stayOnFailure: true\n");
        var sink = new RecordingSink();
        var held = await MaintenanceMode.BeginScopeAsync(stay.Config, "deploy", "dep-2", sink, default);
        held.Fail("health verdict: rollback");
        await held.DisposeAsync();
        Assert.True(held.StayedOn);
        Assert.True(File.Exists(stay.FlagPath));
        Assert.Contains(sink.Warnings, w => w.Contains("maintenance stays ON") && w.Contains("health verdict: rollback"));
        Assert.Contains(stay.Audit(), a => a.Action == "leave maintenance scope" && a.Outcome == "StayedOn"
            && a.Details["failure"] == "health verdict: rollback" && a.DeploymentId == "dep-2");
    }

    [Fact]
    public async Task A_drain_timeout_while_beginning_exits_again_and_throws()
    {
        var closed = FreePort.Next();
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile +
            $"  drain: {{ url: http://127.0.0.1:{closed}/health, interval: 100ms, timeout: 300ms }}\n");
        var sink = new RecordingSink();

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => MaintenanceMode.BeginScopeAsync(cfg.Config, "deploy", "dep-3", sink, default));

        Assert.Equal(ErrorIds.DrainTimeout, ex.ErrorId);
        Assert.Contains("exited again", ex.Message);
        Assert.False(File.Exists(cfg.FlagPath));
        Assert.Empty(sink.Errors); // reported once, as the thrown failure
        Assert.Contains(cfg.Audit(), a => a.Action == "exit maintenance" && a.Outcome == "Succeeded" && a.DeploymentId == "dep-3");
    }

    [Fact]
    public async Task Cancelled_drain_while_beginning_exits_again()
    {
        using var app = new DemoAppProcess();
        await app.SetFaultsAsync(new { connections = 50 });
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile +
            $"  drain: {{ url: {app.BaseUrl}/health, interval: 100ms, timeout: 10m }}\n");
        using var cts = new CancellationTokenSource();
        var sink = new RecordingSink();
        var begin = MaintenanceMode.BeginScopeAsync(cfg.Config, "deploy", null, sink, cts.Token);
        await Eventually.WaitAsync(() => Task.FromResult(sink.Progress.Any()), "draining started");
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => begin.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(File.Exists(cfg.FlagPath));
    }
}
