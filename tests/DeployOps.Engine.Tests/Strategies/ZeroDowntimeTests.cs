using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>Blue-green switches under concurrent load through real nginx lose no request.</summary>
public sealed class ZeroDowntimeTests
{
    private readonly ITestOutputHelper _output;

    public ZeroDowntimeTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Blue_green_switches_under_concurrent_load_fail_no_request()
    {
        using var stage = new DeploymentStage();
        await using var load = new LoadLoop(stage.ProxyUrl + "/api/work", concurrency: 16);
        await load.WarmUpAsync(200);

        foreach (var version in new[] { "2.0.0", "3.0.0", "4.0.0" })
        {
            var record = await stage.DeployAsync(version, DeploymentStrategy.BlueGreen);
            Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        }
        while (load.Requests < 3000) await Task.Delay(50); // thousands of requests, also after the last switch

        await load.DisposeAsync();
        _output.WriteLine(load.Summary());
        Assert.True(load.Failures.IsEmpty, load.Summary());
        Assert.True(load.Requests >= 3000, load.Summary());
        foreach (var version in new[] { "1.0.0", "2.0.0", "3.0.0", "4.0.0" })
            Assert.True(load.Versions.GetValueOrDefault(version) > 0, $"{version} never answered: {load.Summary()}");
    }
}
