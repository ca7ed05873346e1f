using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// A failed in-place deployment under deployment.maintenance: maintenance is left only when the instance answers
/// its readiness path on its own address; a dead instance keeps the page on although stayOnFailure is false.
/// </summary>
public sealed class FailedDeploymentMaintenanceTests
{
    private static TempConfig Config(int port) => new($$"""
        application: shop
        environment: failed
        maintenance:
          flagFile:
            path: MAINTENANCE_MODE
          stayOnFailure: false
        deployment:
          maintenance: true
          instances:
            - { name: web1, host: 127.0.0.1, port: {{port}} }
          readiness: { timeout: 5s, interval: 100ms }
          steps:
            start:
              - { name: refuse, command: "exit 3" }
        """);

    private static async Task<DeploymentRecord> DeployAsync(TempConfig cfg, RecordingSink sink) =>
        (await DeploymentEngine.InvokeAsync(ConfigLoader.Load(cfg.Path), new DeploymentOptions
        {
            Version = "2.0.0", Strategy = DeploymentStrategy.Hotfix, Hooks = new StandardDeploymentHooks(),
        }, sink, CancellationToken.None))!;

    [Fact]
    public async Task A_dead_instance_keeps_maintenance_on_whatever_stayOnFailure_says_and_the_record_says_so()
    {
        using var cfg = Config(FreePort.Next()); // nothing listens: the app is down
        var sink = new RecordingSink();
        var record = await DeployAsync(cfg, sink);

        Assert.Equal(DeploymentOutcome.Failed, record.Outcome);
        Assert.True(File.Exists(Path.Combine(cfg.Directory, "MAINTENANCE_MODE")), sink.AllText());
        Assert.Equal("true", record.Fields[DeploymentField.MaintenanceLeftOn]);
        Assert.Contains(sink.Warnings, w => w.Contains("maintenance stays ON (the application is not serving") && w.Contains("web1 does not answer /health"));
    }

    [Fact]
    public async Task A_serving_instance_lets_a_failed_deployment_leave_maintenance()
    {
        using var app = new LoopbackHttpServer().Route("/health", new CannedResponse(200, "{}"));
        using var cfg = Config(app.Port);
        var sink = new RecordingSink();
        var record = await DeployAsync(cfg, sink);

        Assert.Equal(DeploymentOutcome.Failed, record.Outcome);
        Assert.False(File.Exists(Path.Combine(cfg.Directory, "MAINTENANCE_MODE")), sink.AllText());
        Assert.False(record.Fields.ContainsKey(DeploymentField.MaintenanceLeftOn));
    }
}
