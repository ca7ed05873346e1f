using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>Custom rules: a PromQL expression or a scraped metric as a named rule, validated at config load with its line.</summary>
public sealed class CustomRuleSettingsTests
{
    private const string Head = "application: shop\nenvironment: prod\nendpoints:\n  app: http://127.0.0.1:8080\n";

    [Fact]
    public void A_rule_with_a_query_reads_its_own_PromQL_signal_named_like_the_rule()
    {
        using var file = new TempConfig(Head + """
            health:
              prometheus:
                url: http://127.0.0.1:9090
              rules:
                - name: cacheHitRate
                  query: 100 * sum(rate(cache_hits_total[5m])) / sum(rate(cache_lookups_total[5m]))
                  comparison: below
                  threshold: 70%
                  for: 2m
                  severity: investigate
                - name: rewardDrop
                  signal: agentReward
                  query: avg(agent_reward)
                  comparison: below
                  threshold: 0.8
                  severity: rollback
            """);
        var health = ConfigLoader.Load(file.Path).Health;
        Assert.Equal("100 * sum(rate(cache_hits_total[5m])) / sum(rate(cache_lookups_total[5m]))", health.Prometheus!.Queries["cacheHitRate"]);
        Assert.Equal("avg(agent_reward)", health.Prometheus.Queries["agentReward"]);
        Assert.Contains(HealthSignals.Requests, health.Prometheus.Queries.Keys); // the defaults stay
        var rules = health.Policy.Rules.ToDictionary(r => r.Name);
        Assert.Equal(("cacheHitRate", RuleComparison.Below, 70.0, TimeSpan.FromMinutes(2), RuleSeverity.Investigate),
            (rules["cacheHitRate"].Signal, rules["cacheHitRate"].Comparison, rules["cacheHitRate"].Threshold, rules["cacheHitRate"].For, rules["cacheHitRate"].Severity));
        Assert.Equal(("agentReward", RuleSeverity.Rollback), (rules["rewardDrop"].Signal, rules["rewardDrop"].Severity));
    }

    [Fact]
    public void A_rule_with_a_metric_scrapes_that_gauge()
    {
        using var file = new TempConfig(Head + """
            health:
              scrape:
                targets: [app]
              rules:
                - name: queueDepth
                  metric: jobs_queue_depth
                  threshold: 500
            """);
        var health = ConfigLoader.Load(file.Path).Health;
        Assert.Equal("jobs_queue_depth", health.Scrape!.Gauges["queueDepth"]);
        Assert.Equal(("queueDepth", RuleComparison.Above, 500.0), (health.Policy.Rules[^1].Signal, health.Policy.Rules[^1].Comparison, health.Policy.Rules[^1].Threshold));
    }

    [Fact]
    public void Custom_rules_without_their_source_or_on_unknown_signals_are_errors_at_their_line()
    {
        using var file = new TempConfig(Head + """
            health:
              scrape:
                targets: [app]
                gauges: { cacheHitRate: cache_hit_ratio }
              rules:
                - name: fine
                  signal: cacheHitRate
                  comparison: below
                  threshold: 70
                - name: typo
                  signal: cacheHitRat
                  threshold: 1
                - name: viaPrometheus
                  query: sum(up)
                  threshold: 1
                - name: both
                  query: sum(up)
                  metric: up
                  threshold: 1
            """);
        var errors = ConfigLoader.Validate(file.Path);
        var typo = Assert.Single(errors, e => e.Path == "health.rules[1].signal");
        Assert.Contains("no source provides signal 'cacheHitRat'", typo.Message);
        Assert.Equal(15, typo.Line);
        Assert.Contains("rules with query: (viaPrometheus) need a prometheus: source", Assert.Single(errors, e => e.Path == "health.rules").Message);
        Assert.Contains("not both", Assert.Single(errors, e => e.Path == "health.rules[3].metric").Message);
        Assert.DoesNotContain(errors, e => e.Path.StartsWith("health.rules[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Logs_are_read_relative_to_the_configuration_and_their_mistakes_reported_at_their_line()
    {
        using var file = new TempConfig(Head + """
            health:
              logs:
                - file: logs/app.log
                - command: journalctl -u shop -f -o short-iso
                  patterns: ['\bERROR\b', 'Traceback']
                  baselineWindow: 30m
                - file: a.log
                  command: tail -F a.log
                - file: b.log
                  patterns: ['(unclosed']
            """);
        var errors = ConfigLoader.Validate(file.Path);
        Assert.Contains("one of them", Assert.Single(errors, e => e.Path == "health.logs[2]").Message);
        var pattern = Assert.Single(errors, e => e.Path == "health.logs[3].patterns");
        Assert.Contains("'(unclosed' is not a valid regular expression", pattern.Message);
        Assert.Equal(2, errors.Count);

        File.WriteAllText(file.Path, Head + "health:\n  logs:\n    - file: logs/app.log\n    - command: journalctl -u shop -f -o short-iso\n      patterns: ['\\bERROR\\b']\n      baselineWindow: 30m\n");
        var logs = ConfigLoader.Load(file.Path).Health.Logs;
        Assert.Equal(Path.Combine(file.Directory, "logs", "app.log"), logs[0].File);
        Assert.Equal(LogSettingsDefault, logs[0].Patterns[0].ToString());
        Assert.Equal(("journalctl -u shop -f -o short-iso", @"\bERROR\b", TimeSpan.FromMinutes(30)), (logs[1].Command, logs[1].Patterns[0].ToString(), logs[1].BaselineWindow));
        Assert.True(ConfigLoader.Load(file.Path).Health.HasSignals);
    }

    private const string LogSettingsDefault = DeployOps.Engine.Health.Logs.LogSettings.DefaultPattern;
}
