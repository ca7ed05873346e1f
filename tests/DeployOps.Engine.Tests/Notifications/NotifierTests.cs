using System.Text.Json;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Notifications;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Notifications;

/// <summary>The notifier against real receivers: a recording HTTP server and a small SMTP server on loopback.</summary>
public sealed class NotifierTests : IDisposable
{
    private const string SmtpPassword = "smtp-secret-7f3a9c";
    private readonly NotificationReceiver _receiver = new();
    private readonly List<TempConfig> _configs = new();

    public void Dispose()
    {
        _receiver.Dispose();
        foreach (var c in _configs) c.Dispose();
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOOK_SLACK"] = _receiver.Url("/slack/T000/B000/tokenslack123"),
        ["HOOK_MATTERMOST"] = _receiver.Url("/hooks/mattermosttoken456"),
        ["HOOK_TEAMS"] = _receiver.Url("/teams/webhookb2/teamstoken789"),
        ["HOOK_GENERIC"] = _receiver.Url("/generic/generictoken012"),
        ["SMTP_PASSWORD"] = SmtpPassword,
    };

    private ConfigModel Load(string notifications)
    {
        var config = new TempConfig($"application: shop\nenvironment: production\nstate:\n  directory: ./state\n{notifications}");
        _configs.Add(config);
        var env = Environment();
        return ConfigLoader.Load(config.Path, name => env.GetValueOrDefault(name));
    }

    private string AllTargets(string extra = "") => $$"""
notifications:
  dashboardUrl: https://grafana.example.com/d/shop
  timeout: 5s
  retries: 0
{{extra}}
  targets:
    - name: slack
      type: slack
      url: ${env:HOOK_SLACK}
    - name: mattermost
      type: mattermost
      url: ${env:HOOK_MATTERMOST}
    - name: teams
      type: teams
      url: ${env:HOOK_TEAMS}
    - name: generic
      type: webhook
      url: ${env:HOOK_GENERIC}
    - name: mail
      type: email
      from: deployops@example.com
      to: [oncall@example.com, lead@example.com]
      smtp:
        host: 127.0.0.1
        port: {{_receiver.SmtpPort}}
        security: none
        username: deployops
        password: ${env:SMTP_PASSWORD}
""";

    private static readonly Dictionary<string, string?> FailedValues = new()
    {
        ["deploymentId"] = "20261203-1015-ab12",
        ["version"] = "1.2.3",
        ["previousVersion"] = "1.2.2",
        ["strategy"] = "BlueGreen",
        ["ticket"] = "CHG-1042",
        ["error"] = "phase verify failed: /health answered 503",
    };

    private JsonElement Body(string pathPrefix) =>
        JsonDocument.Parse(_receiver.Requests.Single(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).Body).RootElement;

    [Fact(Timeout = 60_000)]
    public async Task Each_target_kind_gets_its_own_payload_shape()
    {
        var config = Load(AllTargets());
        var sink = new RecordingSink();
        var results = await new Notifier(config, sink).PublishAsync(NotificationEvent.DeploymentFailed, FailedValues, "Invoke-Deployment", "20261203-1015-ab12");

        Assert.Equal(5, results.Count);
        Assert.All(results, r => Assert.True(r.Delivered, $"{r.Target}: {r.Error}"));
        Assert.All(results, r => Assert.Equal("[INCIDENT] Deployment issue - 1.2.3", r.Title));

        var slack = Body("/slack/");
        Assert.Contains("[INCIDENT] Deployment issue - 1.2.3", slack.GetProperty("text").GetString());
        var blocks = slack.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Contains(blocks[2].GetProperty("fields").EnumerateArray(), f => f.GetProperty("text").GetString() == "*Change ticket*\nCHG-1042");
        Assert.Equal("<https://grafana.example.com/d/shop|Dashboard>", blocks[^1].GetProperty("elements")[0].GetProperty("text").GetString());

        var mattermost = Body("/hooks/");
        var attachment = mattermost.GetProperty("attachments")[0];
        Assert.Equal("#d32f2f", attachment.GetProperty("color").GetString());
        Assert.Contains(attachment.GetProperty("fields").EnumerateArray(), f => f.GetProperty("title").GetString() == "Version" && f.GetProperty("value").GetString() == "1.2.3");

        var teams = Body("/teams/");
        Assert.Equal("message", teams.GetProperty("type").GetString());
        var card = teams.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", card.GetProperty("contentType").GetString());
        Assert.Equal("AdaptiveCard", card.GetProperty("content").GetProperty("type").GetString());
        Assert.Equal("Attention", card.GetProperty("content").GetProperty("body")[0].GetProperty("color").GetString());
        Assert.Equal("FactSet", card.GetProperty("content").GetProperty("body")[2].GetProperty("type").GetString());

        var generic = Body("/generic/");
        Assert.Equal("deploymentFailed", generic.GetProperty("event").GetString());
        Assert.Equal("critical", generic.GetProperty("severity").GetString());
        Assert.False(generic.GetProperty("test").GetBoolean());
        Assert.Equal("shop", generic.GetProperty("fields").GetProperty("application").GetString());
        Assert.Equal("CHG-1042", generic.GetProperty("fields").GetProperty("ticket").GetString());
        Assert.All(_receiver.Requests, r => Assert.StartsWith("application/json", r.ContentType));

        var mail = Assert.Single(_receiver.Mails);
        Assert.Equal("deployops@example.com", mail.From);
        Assert.Equal(new[] { "oncall@example.com", "lead@example.com" }, mail.To);
        Assert.Equal(("deployops", SmtpPassword), (mail.User, mail.Password));
        Assert.Contains("Subject: [INCIDENT] Deployment issue - 1.2.3", mail.Data);
        Assert.Contains("X-DeployOps-Severity: critical", mail.Data);
        Assert.Contains("Change ticket: CHG-1042", mail.Data);

        var audit = AuditLog.For(config).ReadAll().Where(e => e.Action == "notify deploymentFailed").ToList();
        Assert.Equal(5, audit.Count);
        Assert.All(audit, e => Assert.Equal("Delivered", e.Outcome));
        Assert.Empty(sink.Warnings);
    }

    [Fact(Timeout = 60_000)]
    public async Task Targets_take_only_their_events_and_severities()
    {
        var config = Load($$"""
notifications:
  retries: 0
  targets:
    - name: failures
      type: webhook
      url: ${env:HOOK_GENERIC}
      minSeverity: critical
    - name: golive
      type: slack
      url: ${env:HOOK_SLACK}
      events: [deploymentSucceeded]
""");
        var notifier = new Notifier(config, new RecordingSink());
        var started = await notifier.PublishAsync(NotificationEvent.DeploymentStarted, FailedValues, "Invoke-Deployment");
        var succeeded = await notifier.PublishAsync(NotificationEvent.DeploymentSucceeded, FailedValues, "Invoke-Deployment");
        var failed = await notifier.PublishAsync(NotificationEvent.DeploymentFailed, FailedValues, "Invoke-Deployment");
        var manual = await notifier.PublishAsync(NotificationEvent.Manual, new Dictionary<string, string?> { ["message"] = "hello" }, "Send-DeploymentNotification");

        Assert.Empty(started);
        Assert.Equal(new[] { "golive" }, succeeded.Select(r => r.Target));
        Assert.Equal(new[] { "failures" }, failed.Select(r => r.Target));
        Assert.Equal(new[] { "failures", "golive" }, manual.Select(r => r.Target).Order());
        Assert.Equal(4, _receiver.Requests.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failing_receiver_is_retried_with_doubling_waits_on_the_clock()
    {
        var config = Load("""
notifications:
  timeout: 2m
  retries: 3
  retryDelay: 10s
  targets:
    - name: generic
      type: webhook
      url: ${env:HOOK_GENERIC}
""");
        _receiver.FailNext("/generic/generictoken012", 2);
        var clock = new ManualClock();
        var start = clock.GetUtcNow();
        var publishing = new Notifier(config, new RecordingSink(), clock).PublishAsync(NotificationEvent.LockBroken,
            new Dictionary<string, string?>(), "Unlock-Deployment");

        // Two failed attempts, each followed by a wait on the clock: 10s, then 20s.
        foreach (var wait in new[] { 10, 20 })
        {
            // The attempt's own timeout (2m) waits on the clock too; the backoff is the timer due within the wait.
            await WaitUntil(() => clock.WaitingWithin(TimeSpan.FromSeconds(wait)) > 0 || publishing.IsCompleted);
            Assert.False(publishing.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(wait - 1));
            Assert.Equal(1, clock.WaitingWithin(TimeSpan.FromSeconds(1))); // not yet: the wait is the full backoff
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var result = Assert.Single(await publishing);
        Assert.True(result.Delivered, result.Error);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(30), clock.GetUtcNow() - start);
        Assert.Equal(2, _receiver.Refused.Count);
        Assert.Single(_receiver.Requests);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_receiver_that_never_delivers_becomes_a_warning_and_an_audit_line_without_its_secret_url()
    {
        var config = Load("""
notifications:
  timeout: 2m
  retries: 1
  retryDelay: 1s
  targets:
    - name: generic
      type: webhook
      url: ${env:HOOK_GENERIC}
""");
        _receiver.FailNext("/generic/generictoken012", 100);
        var sink = new RecordingSink();
        var clock = new ManualClock();
        var publishing = new Notifier(config, sink, clock).PublishAsync(NotificationEvent.DeploymentFailed, FailedValues, "Invoke-Deployment", "d1");
        await WaitUntil(() => clock.WaitingWithin(TimeSpan.FromSeconds(1)) > 0);
        clock.Advance(TimeSpan.FromSeconds(1));
        var result = Assert.Single(await publishing);

        Assert.False(result.Delivered);
        Assert.Equal(2, result.Attempts);
        Assert.Contains("HTTP 500", result.Error);
        var warning = Assert.Single(sink.Warnings);
        Assert.Contains("was not delivered after 2 attempt(s)", warning);
        var line = Assert.Single(AuditLog.For(config).ReadAll(), e => e.Action == "notify deploymentFailed");
        Assert.Equal(("Failed", "generic", "2"), (line.Outcome, line.Target, line.Details["attempts"]));
        var everything = string.Join("\n", warning, result.Error, File.ReadAllText(AuditLog.For(config).FilePath));
        Assert.DoesNotContain("generictoken012", everything);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_attempt_without_an_answer_ends_at_the_timeout()
    {
        var config = Load("""
notifications:
  timeout: 3s
  retries: 0
  targets:
    - name: generic
      type: webhook
      url: ${env:HOOK_GENERIC}
""");
        _receiver.NeverAnswer("/generic/generictoken012");
        var clock = new ManualClock();
        var publishing = new Notifier(config, new RecordingSink(), clock).PublishAsync(NotificationEvent.MaintenanceOn,
            new Dictionary<string, string?>(), "Enter-MaintenanceMode");
        await WaitUntil(() => !_receiver.Refused.IsEmpty);
        Assert.False(publishing.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(3));
        var result = Assert.Single(await publishing);
        Assert.False(result.Delivered);
        Assert.Equal("no answer within 3s", result.Error);
    }

    [Fact(Timeout = 60_000)]
    public async Task Templates_replace_the_runbook_wording_and_secrets_in_values_are_masked()
    {
        var config = Load(AllTargets("""
  templates:
    deploymentSucceeded:
      title: "Go-live: {application} {version} ({ticket})"
"""));
        var values = new Dictionary<string, string?>(FailedValues) { ["error"] = null, ["reason"] = $"password={SmtpPassword}" };
        var message = new Notifier(config, null).Render(NotificationEvent.DeploymentSucceeded, values);
        Assert.Equal("Go-live: shop 1.2.3 (CHG-1042)", message.Title);
        Assert.StartsWith("Success notification: team notified of go-live.", message.Text);
        Assert.DoesNotContain(SmtpPassword, message.Values["reason"]);
        Assert.Contains(message.Facts, f => f.Label == "Reason" && f.Value.Contains(Redactor.Mask));
        Assert.Equal(NotificationTemplates.Missing, new Notifier(config, null).Render(NotificationEvent.Manual, new Dictionary<string, string?>()).Text);
    }

    [Fact]
    public void Bad_notification_settings_are_located_errors_that_never_echo_a_secret()
    {
        var config = new TempConfig($$"""
application: shop
environment: production
notifications:
  templates:
    deploymentFailed:
      title: "{application} {vesion}"
    deploymentExploded:
      text: x
  targets:
    - name: a
      type: slack
      events: [deploymentStarted, deploymentExploded]
    - name: b
      type: webhook
      url: ${env:BAD_URL}
    - name: c
      type: email
      from: deployops@example.com
      to: [not-an-address]
      smtp:
        host: 127.0.0.1
        password: literal-password-123
""");
        _configs.Add(config);
        var errors = ConfigLoader.Validate(config.Path, name => name == "BAD_URL" ? "ftp://secret-host-token/x" : null);
        string At(string path) => Assert.Single(errors, e => e.Path == path).Message;
        Assert.Contains("unknown placeholder {vesion}", At("notifications.templates.deploymentFailed.title"));
        Assert.Contains("unknown event 'deploymentExploded'", At("notifications.templates.deploymentExploded"));
        Assert.Contains("unknown event 'deploymentExploded'", At("notifications.targets[0].events"));
        Assert.Contains("is required for a slack target", At("notifications.targets[0].url"));
        Assert.Equal("expected an absolute http:// or https:// URL", At("notifications.targets[1].url"));
        Assert.Contains("'not-an-address' is not an e-mail address", At("notifications.targets[2].to"));
        Assert.Contains("${env:NAME}", At("notifications.targets[2].smtp.password"));
        Assert.All(errors, e => Assert.DoesNotContain("secret-host-token", e.ToString()));
        Assert.All(errors, e => Assert.True(e.Line > 0));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++) await Task.Delay(20);
        Assert.True(condition(), "timed out waiting");
    }
}
