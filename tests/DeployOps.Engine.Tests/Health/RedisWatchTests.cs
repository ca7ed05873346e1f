using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Health;

/// <summary>The optional Redis PING signal against a real redis-server of our own (stopping the shared one would disturb others).</summary>
public sealed class RedisWatchTests
{
    [Fact]
    public async Task Redis_that_stops_answering_PING_is_Investigate_after_three_failures()
    {
        using var redis = new RedisFixture();
        using var file = HealthHarness.Config("interval: 300ms\ntimeout: 1s\nredis: true", "http://127.0.0.1:9", $"redis:\n  endpoint: {redis.Endpoint}\n  connectTimeout: 1s\n");
        var (watch, sink) = HealthHarness.Start(file, new WatchOptions { Duration = TimeSpan.FromSeconds(20), Until = WatchUntil.Decision });
        await HealthHarness.WaitForSamplesAsync(sink, 2, s => s.Verdict == HealthVerdict.Healthy);
        redis.Stop();
        var decision = await watch;
        var samples = sink.RecordsOf<HealthSample>().ToList();

        var described = HealthHarness.Describe(samples);
        Assert.Equal(("redisDown", HealthVerdict.Investigate), (decision.Rule, decision.Verdict));
        Assert.All(samples.Where(s => s.Signals["redisDown"] == 0), s => Assert.True(s.Signals["redisLatency"] >= 0, described));
        Assert.Equal(3, samples.Count(s => s.Signals["redisDown"] > 0));
    }
}
