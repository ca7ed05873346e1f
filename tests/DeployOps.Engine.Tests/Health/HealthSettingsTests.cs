using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

public sealed class HealthSettingsTests
{
    private const string Head = "application: shop\nenvironment: prod\nendpoints:\n  app: http://127.0.0.1:8080\n";

    [Fact]
    public void Without_a_health_section_the_runbook_matrix_and_timeline_apply()
    {
        using var file = new TempConfig(Head);
        var health = ConfigLoader.Load(file.Path).Health;
        Assert.Equal(HealthPolicy.DefaultRules.Count, health.Policy.Rules.Count);
        Assert.Equal(4, health.Policy.Phases.Count);
        Assert.Equal(50, health.Policy.MinRequests);
        Assert.Equal(4, health.Policy.MaxSourceErrors);
        Assert.False(health.HasSignals);
    }

    [Fact]
    public void Reads_sources_and_overrides_rules_and_phases()
    {
        using var file = new TempConfig(Head + """
            health:
              duration: 30m
              minRequests: 20
              maxSourceErrors: 3
              timeout: 2s
              scrape:
                targets: [app, "http://127.0.0.1:9100/metrics"]
                errorStatuses: [5xx, "429"]
                memoryGrowthWindow: 1m
                gauges: { cacheHitRate: cache_hit_ratio }
              probes: [app]
              rules:
                - name: errorRate
                  for: 2m
                - name: latencyP95
                  threshold: 3s
                - name: redisDown
                  enabled: false
                - name: cacheHitRate
                  signal: cacheHitRate
                  comparison: below
                  threshold: 70
                  severity: investigate
              phases:
                - name: first
                  from: 0s
                  interval: 30s
                  thresholds: { errorRate: 3% }
                - name: later
                  from: 10m
                  interval: 2m
            """);
        var health = ConfigLoader.Load(file.Path).Health;
        Assert.Equal(TimeSpan.FromMinutes(30), health.Duration);
        Assert.Equal(new[] { "http://127.0.0.1:8080/metrics", "http://127.0.0.1:9100/metrics" }, health.Scrape!.Targets);
        Assert.Equal(new[] { "http://127.0.0.1:8080/health" }, health.Probes);
        Assert.True(health.Scrape.IsError("503"));
        Assert.True(health.Scrape.IsError("429"));
        Assert.False(health.Scrape.IsError("404"));
        Assert.Equal("5..|429", health.Scrape.StatusRegex());
        var rules = health.Policy.Rules.ToDictionary(r => r.Name);
        Assert.Equal(TimeSpan.FromMinutes(2), rules["errorRate"].For);
        Assert.Equal(5, rules["errorRate"].Threshold);
        Assert.Equal(3000, rules["latencyP95"].Threshold);
        Assert.False(rules["redisDown"].Enabled);
        Assert.Equal((RuleComparison.Below, 70.0, RuleSeverity.Investigate), (rules["cacheHitRate"].Comparison, rules["cacheHitRate"].Threshold, rules["cacheHitRate"].Severity));
        Assert.Equal(new[] { "first", "later" }, health.Policy.Phases.Select(p => p.Name));
        Assert.Equal(3, health.Policy.Phases[0].Thresholds["errorRate"]);
        Assert.Equal(20, health.Policy.MinRequests);
    }

    [Fact]
    public void Mistakes_are_reported_with_their_line_and_key()
    {
        using var file = new TempConfig(Head + """
            health:
              scrape:
                targets: [nowhere]
              probes: ["ftp://x"]
              rules:
                - name: latencyP95
                  threshold: 5%
                - name: custom
                  signal: x
              phases:
                - name: late
                  from: 5m
                  thresholds: { nosuchrule: 1 }
              minRequest: 10
            """);
        var errors = ConfigLoader.Validate(file.Path);
        string Find(string path) => Assert.Single(errors, e => e.Path == path).Message;
        Assert.Contains("'nowhere' is neither an http(s) URL nor a name under endpoints", Find("health.scrape.targets"));
        Assert.Contains("'ftp://x'", Find("health.probes"));
        Assert.Contains("signal 'p95' is not a percentage", Find("health.rules[0].threshold"));
        Assert.Contains("is required for a new rule", Find("health.rules[1].threshold"));
        Assert.Contains("no source provides signal 'x'", Find("health.rules[1].signal"));
        Assert.Contains("no rule named 'nosuchrule'", Find("health.phases[0].thresholds.nosuchrule"));
        Assert.Contains("one phase must start at from: 0s", Find("health.phases"));
        Assert.Contains("did you mean 'minRequests'", Find("health.minRequest"));
        Assert.All(errors, e => Assert.True(e.Line > 4));
    }

    [Fact]
    public void Prometheus_source_gets_default_queries_in_the_configured_names()
    {
        using var file = new TempConfig(Head + """
            health:
              scrape:
                requestsMetric: app_requests_total
                statusLabel: code
              prometheus:
                url: http://127.0.0.1:9090
                window: 30s
                queries:
                  p99: ""
                  cacheHitRate: 'avg(cache_hit_ratio)'
            """);
        var health = ConfigLoader.Load(file.Path).Health;
        Assert.Null(health.Scrape);
        var prometheus = health.Prometheus!;
        Assert.Equal("100 * (sum(rate(app_requests_total{code=~\"5..\"}[30s])) or vector(0)) / sum(rate(app_requests_total[30s]))",
            prometheus.Expand(prometheus.Queries["errorRate"]));
        Assert.False(prometheus.Queries.ContainsKey("p99"));
        Assert.Equal("avg(cache_hit_ratio)", prometheus.Queries["cacheHitRate"]);
    }
}

public sealed class HealthWatchRefusalTests
{
    [Fact]
    public async Task A_watch_without_any_signal_source_is_refused_with_its_error_id()
    {
        using var file = new TempConfig("application: shop\nenvironment: prod\n");
        var config = ConfigLoader.Load(file.Path);
        var error = await Assert.ThrowsAsync<DeployOps.Engine.Hosting.DeployOpsException>(() =>
            DeployOps.Engine.Health.HealthWatcher.WatchAsync(config, new DeployOps.Engine.Health.WatchOptions(), new RecordingSink(), CancellationToken.None));
        Assert.Equal(DeployOps.Engine.Hosting.ErrorIds.HealthNoSignals, error.ErrorId);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task A_deployment_id_that_is_not_a_folder_name_is_refused(string id)
    {
        using var file = new TempConfig("application: shop\nenvironment: prod\nhealth:\n  probes: [\"http://127.0.0.1:9/health\"]\n");
        var config = ConfigLoader.Load(file.Path);
        var error = await Assert.ThrowsAsync<DeployOps.Engine.Hosting.DeployOpsException>(() =>
            DeployOps.Engine.Health.HealthWatcher.WatchAsync(config, new DeployOps.Engine.Health.WatchOptions { DeploymentId = id }, new RecordingSink(), CancellationToken.None));
        Assert.Equal(DeployOps.Engine.Hosting.ErrorIds.HealthDeploymentIdInvalid, error.ErrorId);
    }

    [Fact]
    public void Replay_of_a_file_that_is_not_a_recording_names_the_line()
    {
        using var file = new TempConfig("application: shop\nenvironment: prod\n");
        var samples = Path.Combine(file.Directory, "samples.jsonl");
        File.WriteAllText(samples, "\n{not json\n");
        var error = Assert.Throws<DeployOps.Engine.Hosting.DeployOpsException>(() => DeployOps.Engine.Health.HealthReplay.Run(samples));
        Assert.Equal(DeployOps.Engine.Hosting.ErrorIds.HealthReplayInvalid, error.ErrorId);
        Assert.Contains("line 2", error.Message);
        Assert.Equal(DeployOps.Engine.Hosting.ErrorIds.HealthReplayNotFound,
            Assert.Throws<DeployOps.Engine.Hosting.DeployOpsException>(() => DeployOps.Engine.Health.HealthReplay.Run(samples + ".missing")).ErrorId);
    }
}
