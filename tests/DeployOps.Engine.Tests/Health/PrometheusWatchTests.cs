using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The PromQL path against a real Prometheus server scraping the demo app every second, judged side by side with
/// the direct scrape of the same app: the same situations give the same verdicts. Both watches run on their own
/// stepped fake clock: the readings are real, the schedule and the <c>for:</c> window exact.
/// </summary>
public sealed class PrometheusWatchTests
{
    private static string PromQl(string url) => $"""
        interval: 1s
        minRequests: 10
        prometheus:
          url: {url}
          window: 5s
        rules:
          - name: memoryGrowth
            threshold: 300
          - name: errorRate
            for: 2s
        """;

    private static readonly string Direct = HealthHarness.Scrape.Replace("interval: 500ms", "interval: 1s") + """

          - name: errorRate
            for: 2s
        """;

    [Fact(Timeout = 180_000)]
    public async Task PromQL_and_direct_scrape_agree_on_healthy_then_on_rollback_for_sustained_errors()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var prometheus = new PrometheusFixture(new[] { $"127.0.0.1:{app.Port}" });
        await prometheus.WaitForDataAsync("sum(increase(http_requests_total[5s])) > 20", TimeSpan.FromSeconds(30));
        using var promFile = HealthHarness.Config(PromQl(prometheus.Url), app.BaseUrl);
        using var directFile = HealthHarness.Config(Direct, app.BaseUrl);

        var healthy = await Task.WhenAll(
            SteppedWatch.RunAsync(promFile, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(3), Clock = clock }, SteppedWatch.Traffic(load, 20)),
            SteppedWatch.RunAsync(directFile, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(3), Clock = clock }, SteppedWatch.Traffic(load, 20)));
        var promSamples = healthy[0].Samples;
        Assert.All(healthy, h => Assert.Equal(new[] { 1000, 2000, 3000 }, SteppedWatch.ElapsedMs(h.Samples)));
        Assert.True(promSamples.All(s => s.Verdict == HealthVerdict.Healthy), HealthHarness.Describe(promSamples));
        Assert.All(healthy, h => Assert.Equal(HealthVerdict.Healthy, h.Decision.Verdict));
        Assert.All(promSamples, s => Assert.True(s.Requests > 10 && s.ErrorRate == 0 && s.P95 > 0 && s.Memory > 10, HealthHarness.Describe(promSamples)));

        await app.SetFaultsAsync(new { errorRate = 0.4 });
        // Prometheus's 5 s window is then full of the failing traffic: both paths breach from their first sample.
        await prometheus.WaitForDataAsync("sum(increase(http_requests_total{status=~\"5..\"}[5s])) / sum(increase(http_requests_total[5s])) > 0.2", TimeSpan.FromSeconds(30));
        var failing = await Task.WhenAll(
            SteppedWatch.RunAsync(promFile, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(20), Clock = clock }, SteppedWatch.Traffic(load, 40)),
            SteppedWatch.RunAsync(directFile, clock => new WatchOptions { Duration = TimeSpan.FromSeconds(20), Clock = clock }, SteppedWatch.Traffic(load, 40)));
        var described = HealthHarness.Describe(failing[0].Samples) + "\n--\n" + HealthHarness.Describe(failing[1].Samples);
        Assert.All(failing, f => Assert.Equal(("errorRate", HealthVerdict.Rollback), (f.Decision.Rule, f.Decision.Verdict)));
        // Breaching since T+1 s, the 2 s for: window complete at T+3 s, on both paths.
        Assert.All(failing, f => Assert.Equal(new[] { 1000, 2000, 3000 }, SteppedWatch.ElapsedMs(f.Samples)));
        Assert.All(failing, f => Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), 3),
            (f.Decision.SinceElapsed!.Value, f.Decision.Elapsed, f.Decision.BreachingSamples.Count)));
        Assert.InRange(failing[0].Decision.Value!.Value, 10, 80);
    }

    [Fact(Timeout = 120_000)]
    public async Task Failing_queries_are_source_errors_Inconclusive_after_four_never_Rollback()
    {
        using var app = new DemoAppProcess();
        using var prometheus = new PrometheusFixture(new[] { $"127.0.0.1:{app.Port}" });
        using var file = HealthHarness.Config($"""
            interval: 300ms
            prometheus:
              url: {prometheus.Url}
              window: 5s
              queries:
                errorRate: 'sum(rate(http_requests_total[5s]'
            """, app.BaseUrl);

        var (samples, decision, _) = await SteppedWatch.RunAsync(file,
            clock => new WatchOptions { Duration = TimeSpan.FromSeconds(3), Clock = clock }, _ => Task.CompletedTask);

        var described = HealthHarness.Describe(samples);
        Assert.Equal(SteppedWatch.Every(300, 3000), SteppedWatch.ElapsedMs(samples));
        Assert.All(samples, s => Assert.Contains(s.SourceErrors, e => e.StartsWith("prometheus query errorRate: bad_data:")));
        Assert.Equal(HealthVerdict.Inconclusive, samples[3].Verdict);
        Assert.DoesNotContain(samples, s => s.Verdict == HealthVerdict.Rollback);
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
    }
}
