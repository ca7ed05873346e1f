using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// The health-endpoint canary gate on a canary slot that is a set of hosts: every member's health counts (a slot
/// judged on its first host alone would pass a sick second one) and the members' requests are summed.
/// </summary>
public sealed class CanaryGateOnHostsTests : IDisposable
{
    private const string Metrics = "http_requests_total{method=\"GET\",status=\"200\"} 7\n";
    private readonly LoopbackHttpServer _first = new LoopbackHttpServer().Route("/health", 200, "{}").Route("/metrics", 200, Metrics, "text/plain");
    private readonly LoopbackHttpServer _second = new();
    private readonly TempConfig _config = new("""
        application: shop
        environment: prod
        deployment:
          canary: { gate: { sampleInterval: 100ms } }
        """);

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _config.Dispose();
    }

    private async Task<CanaryGateResult> EvaluateAsync()
    {
        var config = ConfigLoader.Load(_config.Path);
        var members = new[] { new DeploymentTarget("green.h3", "127.0.0.1", _first.Port), new DeploymentTarget("green.h4", "127.0.0.1", _second.Port) };
        var canary = new DeploymentTarget("green", "127.0.0.1", _first.Port) { Members = members };
        var baseline = new DeploymentTarget("blue", "127.0.0.1", _first.Port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await new HealthEndpointCanaryGate().EvaluateAsync(
            new CanaryGateContext(config, "d1", "2.0.0", canary, baseline, 25, TimeSpan.FromMilliseconds(300), new RecordingSink()), timeout.Token);
    }

    [Fact]
    public async Task A_sick_second_member_fails_the_gate_naming_it()
    {
        _second.Route("/health", 503, "{}").Route("/metrics", 200, Metrics, "text/plain");

        var result = await EvaluateAsync();

        Assert.Equal(CanaryVerdict.Fail, result.Verdict);
        Assert.StartsWith("green.h4 health check failed: ", result.Reason, StringComparison.Ordinal);
        Assert.Contains(_second.Requests, r => r.StartsWith("GET /health", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Healthy_members_pass_and_every_member_is_asked()
    {
        _second.Route("/health", 200, "{}").Route("/metrics", 200, Metrics, "text/plain");

        var result = await EvaluateAsync();

        Assert.Equal(CanaryVerdict.Pass, result.Verdict);
        Assert.Contains(_first.Requests, r => r.StartsWith("GET /metrics", StringComparison.Ordinal));
        Assert.Contains(_second.Requests, r => r.StartsWith("GET /metrics", StringComparison.Ordinal));
    }
}
