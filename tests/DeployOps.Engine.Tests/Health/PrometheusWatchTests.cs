using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>
/// The PromQL path against a real Prometheus server scraping the demo app every second, judged side by side with
/// the direct scrape of the same app: the same situations give the same verdicts.
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

    [Fact]
    public async Task PromQL_and_direct_scrape_agree_on_healthy_then_on_rollback_for_sustained_errors()
    {
        using var app = new DemoAppProcess();
        await using var load = new LoadGenerator(app.BaseUrl + "/api/work");
        using var prometheus = new PrometheusFixture(new[] { $"127.0.0.1:{app.Port}" });
        await prometheus.WaitForDataAsync("sum(increase(http_requests_total[5s])) > 20", TimeSpan.FromSeconds(30));
        using var promFile = HealthHarness.Config(PromQl(prometheus.Url), app.BaseUrl);
        using var directFile = HealthHarness.Config(Direct, app.BaseUrl);

        var healthy = await Task.WhenAll(
            HealthHarness.WatchAsync(promFile, new WatchOptions { Duration = TimeSpan.FromSeconds(3) }),
            HealthHarness.WatchAsync(directFile, new WatchOptions { Duration = TimeSpan.FromSeconds(3) }));
        var promSamples = healthy[0].Samples;
        Assert.True(promSamples.All(s => s.Verdict == HealthVerdict.Healthy), HealthHarness.Describe(promSamples));
        Assert.All(healthy, h => Assert.Equal(HealthVerdict.Healthy, h.Decision.Verdict));
        Assert.All(promSamples, s => Assert.True(s.Requests > 10 && s.ErrorRate == 0 && s.P95 > 0 && s.Memory > 10, HealthHarness.Describe(promSamples)));

        await app.SetFaultsAsync(new { errorRate = 0.4 });
        var failing = await Task.WhenAll(
            HealthHarness.WatchAsync(promFile, new WatchOptions { Duration = TimeSpan.FromSeconds(20) }),
            HealthHarness.WatchAsync(directFile, new WatchOptions { Duration = TimeSpan.FromSeconds(20) }));
        var described = HealthHarness.Describe(failing[0].Samples) + "\n--\n" + HealthHarness.Describe(failing[1].Samples);
        Assert.All(failing, f => Assert.Equal(("errorRate", HealthVerdict.Rollback), (f.Decision.Rule, f.Decision.Verdict)));
        Assert.All(failing, f => Assert.True(f.Decision.BreachingSamples.Count >= 3, described));
        Assert.InRange(failing[0].Decision.Value!.Value, 10, 80);
    }

    [Fact]
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

        var (samples, decision, _) = await HealthHarness.WatchAsync(file, new WatchOptions { Duration = TimeSpan.FromSeconds(3) });

        var described = HealthHarness.Describe(samples);
        Assert.True(samples.Count >= 4, described);
        Assert.All(samples, s => Assert.Contains(s.SourceErrors, e => e.StartsWith("prometheus query errorRate: bad_data:")));
        Assert.Equal(HealthVerdict.Inconclusive, samples[3].Verdict);
        Assert.DoesNotContain(samples, s => s.Verdict == HealthVerdict.Rollback);
        Assert.Equal(HealthVerdict.Inconclusive, decision.Verdict);
    }
}
