using DeployOps.Engine.Audit;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Traffic;

namespace DeployOps.Engine.Tests.Traffic;

/// <summary>
/// RouterProbe.SampleAsync through a real nginx: who answered, what failed, and the router's own error pages (no
/// backend identity) told apart from a backend's error answers.
/// </summary>
public sealed class RouterSampleTests
{
    private static RouterProbe Probe(NginxStage stage) => new(stage.Settings(), new Redactor(), stage.UpstreamFile);

    [Fact(Timeout = 120_000)]
    public async Task A_dead_upstream_is_counted_as_router_failures_without_an_identity()
    {
        using var stage = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", FreePort.Next(), 100) });

        var sample = await Probe(stage).SampleAsync(stage.ProxyUrl + "/version", 5, 50, _ => true, CancellationToken.None);

        Assert.Equal(5, sample.Requests);
        Assert.Equal(5, sample.Failed);
        Assert.Equal(5, sample.RouterFailed);
        Assert.Equal(5, sample.Failures["HTTP 502"]);
        Assert.Empty(sample.Answers);
        Assert.EndsWith("5 of 5 request(s) through " + stage.ProxyUrl + "/version failed (HTTP 502 x5); answered by nobody", sample.Summary);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_backend_answering_500_is_a_failed_request_it_answered_and_more_are_sent_until_enough()
    {
        using var blue = new DemoAppProcess("1.0.0");
        using var green = new DemoAppProcess("2.0.0");
        await green.SetFaultsAsync(new { errorRate = 1.0 });
        using var stage = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 95), new TrafficBackend("green", "127.0.0.1", green.Port, 5) });

        // 3 requests, then more (at most 400) until green answered 3 times: nginx sends it 1 in 20.
        var sample = await Probe(stage).SampleAsync(stage.ProxyUrl + "/version", 3, 400,
            answers => answers.GetValueOrDefault("2.0.0") >= 3, CancellationToken.None);

        Assert.Equal(3, sample.Answers["2.0.0"]);
        Assert.Equal(sample.Requests, sample.Answers.Values.Sum());
        Assert.InRange(sample.Requests, 41, 60); // the third of green's turns, one in every 20 (one nginx worker)
        Assert.Equal(3, sample.Failed);
        Assert.Equal(0, sample.RouterFailed);
        Assert.Equal(3, sample.Failures["HTTP 500 from '2.0.0'"]);
    }
}
