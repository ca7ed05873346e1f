using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Support;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>The deployment: section reads every key with its default and reports mistakes with their line.</summary>
public sealed class DeploymentSettingsTests
{
    private static string RepositoryFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeployOps.psd1"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, relative);
    }

    [Fact]
    public void The_example_configuration_is_valid_and_reads_every_strategy_setting()
    {
        var config = ConfigLoader.Load(RepositoryFile("examples/deployment/deployops.yaml"));
        var d = config.Deployment;
        Assert.Equal(DeploymentStrategy.BlueGreen, d.Strategy);
        Assert.Equal(new[] { "blue", "green" }, d.Slots.Select(s => s.Name));
        Assert.Equal(3, d.Instances.Count);
        Assert.Equal(TrafficProvider.Nginx, d.Traffic.Provider);
        Assert.Equal("sudo nginx", d.Traffic.NginxCommand);
        Assert.Equal(new[] { 5, 25, 50, 100 }, d.Canary.Steps);
        Assert.Equal(TimeSpan.FromMinutes(5), d.Canary.Pause);
        Assert.Equal(200, d.Canary.MinRequests);
        Assert.Equal(1, d.Rolling.BatchSize(3));
        Assert.Equal(2, d.StepsFor("install").Count);
        Assert.Equal(10, d.StepsFor("smoke")[0].Retries);
    }

    [Fact]
    public void Percent_batches_canary_steps_and_mistakes_are_reported()
    {
        using var good = new TempConfig("""
            application: a
            environment: b
            deployment:
              rolling: { maxUnavailable: 50%, maxFailPercent: 25% }
              canary: { steps: [10, 40] }
            """);
        var d = ConfigLoader.Load(good.Path).Deployment;
        Assert.Equal(2, d.Rolling.BatchSize(4));
        Assert.Equal(25, d.Rolling.MaxFailPercent);
        Assert.Equal(new[] { 10, 40, 100 }, d.Canary.Steps);

        using var bad = new TempConfig("""
            application: a
            environment: b
            deployment:
              strategy: purple
              slots:
                blue: { port: 5001 }
              canary: { steps: [50, 20] }
              traffic:
                upstreamName: "bad name"
            """);
        var errors = ConfigLoader.Validate(bad.Path);
        Assert.Contains(errors, e => e.Path == "deployment.strategy" && e.Line == 4);
        Assert.Contains(errors, e => e.Path == "deployment.slots" && e.Message.Contains("exactly two slots"));
        Assert.Contains(errors, e => e.Path == "deployment.canary.steps" && e.Message.Contains("increase"));
        Assert.Contains(errors, e => e.Path == "deployment.traffic.upstreamFile" && e.Message.Contains("required"));
        Assert.Contains(errors, e => e.Path == "deployment.traffic.upstreamName");
        Assert.Contains(errors, e => e.Path == "deployment.traffic.probeUrl");
    }
}
