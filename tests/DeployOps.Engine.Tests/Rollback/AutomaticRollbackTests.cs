using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Tests.Traffic;

namespace DeployOps.Engine.Tests.Rollback;

/// <summary>The runbook end to end: deploy, watch, and a bad version rolled back by the watch itself.</summary>
public sealed class AutomaticRollbackTests
{
    [Fact]
    public async Task A_version_that_goes_bad_after_deployment_is_rolled_back_by_Watch_AutoRollback()
    {
        using var stage = new RollbackStage();
        var good = await stage.DeployAsync("1.1.0", DeploymentStrategy.BlueGreen);                 // green
        Assert.True(good!.Outcome == DeploymentOutcome.Succeeded, good.Error);
        var bad = await stage.DeployAsync("2.0.0", DeploymentStrategy.BlueGreen);                  // blue
        Assert.True(bad!.Outcome == DeploymentOutcome.Succeeded, bad.Error);
        Assert.Equal("blue", stage.Stage.ActiveSlot());
        // Time is compressed: errors must be sustained for 1s, and a sample needs 10 requests.
        File.AppendAllText(stage.Stage.ConfigPath, $$"""

            health:
              interval: 500ms
              minRequests: 10
              scrape:
                targets: ["http://127.0.0.1:{{stage.Stage.Blue!.Port}}/metrics"]
              probes: ["http://127.0.0.1:{{stage.Stage.Blue!.Port}}/health"]
              database: false
              rules:
                - { name: errorRate, for: 1s }
            """);
        await using var load = new LoadLoop(stage.Stage.ProxyUrl + "/api/work", concurrency: 4);
        await load.WarmUpAsync();
        using var http = new HttpClient();
        using var faults = new StringContent("{\"errorRate\":0.5}", System.Text.Encoding.UTF8, "application/json");
        (await http.PostAsync($"http://127.0.0.1:{stage.Stage.Blue!.Port}/admin/faults", faults)).EnsureSuccessStatusCode();

        var config = stage.Load();
        var sink = new RecordingSink();
        var decision = await HealthWatcher.WatchAsync(config, new WatchOptions
        {
            DeploymentId = bad.Id,
            Duration = TimeSpan.FromSeconds(30),
            StopOnRollback = true,
            AutoRollback = true,
            RollbackTrigger = new AutomaticRollbackTrigger(config),
        }, sink, CancellationToken.None);

        await load.DisposeAsync();
        Assert.Equal(HealthVerdict.Rollback, decision.Verdict);
        Assert.True(decision.RollbackTriggered, string.Join("\n", sink.Errors.Select(e => e.Message)));
        Assert.Equal("green", stage.Stage.ActiveSlot());
        var counts = await stage.Stage.Proxy.CountVersionsAsync(20);
        Assert.True(counts.GetValueOrDefault("1.1.0") == 20, NginxStage.Show(counts));
        var record = (await stage.Stage.GetAsync(bad.Id))!;
        Assert.Equal(DeploymentOutcome.RolledBack, record.Outcome);
        // The incident report carries the decision that triggered it.
        var incident = Directory.GetDirectories(Path.Combine(stage.Stage.Directory, ".deployops", "incidents")).Single();
        var report = await File.ReadAllTextAsync(Path.Combine(incident, "incident.md"));
        Assert.Contains("errorRate", report);
        Assert.Contains(sink.Warnings, w => w.StartsWith($"Automatic rollback of {bad.Id}: Succeeded", StringComparison.Ordinal));
        Assert.Empty(sink.RecordsOf<RollbackResult>()); // the watch's output stays HealthSample records
    }
}
