using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Maintenance;

/// <summary>Recovery's use of the scope: a window left on is taken over (never re-drained or switched off early); KeepOn beats stayOnFailure.</summary>
public sealed class MaintenanceTakeOverTests
{
    [Fact]
    public async Task A_window_left_on_is_taken_over_without_draining_and_left_when_the_work_succeeds()
    {
        // The drain source is closed: entering would time out, taking over must not even try.
        var closed = FreePort.Next();
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile +
            $"  drain: {{ url: http://127.0.0.1:{closed}/health, interval: 100ms, timeout: 300ms }}\n");
        await MaintenanceMode.EnterAsync(cfg.Config, new EnterMaintenanceOptions { Reason = "deployment of 2.0.0", DeploymentId = "dep-crashed", Drain = false },
            new RecordingSink(), default);

        await using (var scope = await MaintenanceMode.TakeOverScopeAsync(cfg.Config, "rollback of dep-crashed", "dep-crashed", new RecordingSink(), default,
            "Invoke-Rollback"))
        {
            Assert.Equal(MaintenanceStatus.On, scope.Entered.Status);
            Assert.Null(scope.Entered.Drain);
            scope.Complete();
        }
        Assert.False(File.Exists(cfg.FlagPath));
        var audit = cfg.Audit();
        Assert.Contains(audit, a => a.Command == "Invoke-Rollback" && a.Action == "take over maintenance" && a.Outcome == "TakenOver"
            && a.Details["windowDeploymentId"] == "dep-crashed");
        Assert.DoesNotContain(audit, a => a.Command == "Invoke-Rollback" && a.Action == "drain");
    }

    [Fact]
    public async Task With_nothing_on_it_enters_like_BeginScope()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile);
        var scope = await MaintenanceMode.TakeOverScopeAsync(cfg.Config, "rollback", "dep-1", new RecordingSink(), default, "Invoke-Rollback");
        Assert.True(File.Exists(cfg.FlagPath));
        Assert.Contains(cfg.Audit(), a => a.Action == "enter maintenance" && a.Outcome == "Succeeded");
        scope.Fail("nothing changed");
        await scope.DisposeAsync();
        Assert.False(File.Exists(cfg.FlagPath));
    }

    [Fact]
    public async Task KeepOn_keeps_maintenance_on_although_stayOnFailure_is_false()
    {
        using var cfg = new MaintenanceConfig("maintenance:\n" + MaintenanceConfig.FlagFile + "  stayOnFailure: false\n");
        var sink = new RecordingSink();
        var scope = await MaintenanceMode.BeginScopeAsync(cfg.Config, "deploy", "dep-3", sink, default);
        scope.KeepOn("web1 does not answer /health");
        await scope.DisposeAsync();
        Assert.True(scope.StayedOn);
        Assert.True(File.Exists(cfg.FlagPath));
        Assert.Contains(sink.Warnings, w => w.Contains("maintenance stays ON (the application is not serving") && w.Contains("web1 does not answer"));
        Assert.Contains(cfg.Audit(), a => a.Action == "leave maintenance scope" && a.Outcome == "KeptOn" && a.DeploymentId == "dep-3");
    }
}
