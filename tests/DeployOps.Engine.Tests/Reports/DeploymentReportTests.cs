using System.Text.Json;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Reports;
using DeployOps.Engine.State;
using DeployOps.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DeployOps.Engine.Tests.Reports;

/// <summary>
/// Export-DeploymentReport's engine: a deployment journaled in a real file store, with audit lines, pre-check
/// evidence, health samples and a decision record written by the real writers, rendered in all three formats.
/// </summary>
public sealed class DeploymentReportTests : IDisposable
{
    private const string Hostile = "<script>alert('x')</script> *bold* | [link](http://evil)";
    private readonly TempConfig _cfg = new("""
        application: shop
        environment: prod
        health:
          rules:
            - { name: errorRate, threshold: 5 }
            - { name: latencyP95, threshold: 800ms }
        """);
    private readonly ConfigModel _config;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 15, 0, 0, TimeSpan.Zero));

    public DeploymentReportTests() => _config = ConfigLoader.Load(_cfg.Path);

    public void Dispose() => _cfg.Dispose();

    [Fact]
    public async Task A_rolled_back_deployment_reports_every_recorded_part_in_all_three_formats()
    {
        var id = await RecordRolledBackDeploymentAsync();
        var sink = new RecordingSink();

        var json = JsonDocument.Parse((await Export(id, ReportFormat.Json, sink))!).RootElement;
        Assert.Equal("deployops.report/1", json.GetProperty("schema").GetString());
        var d = json.GetProperty("deployment");
        Assert.Equal(("2.0.0", "1.0.0", "RolledBack", "CHG-42"), (d.GetProperty("version").GetString(), d.GetProperty("previousVersion").GetString(),
            d.GetProperty("outcome").GetString(), d.GetProperty("changeTicket").GetString()));
        var check = json.GetProperty("preChecks").GetProperty("results")[0];
        Assert.Equal(("disk", "Passed", "12.5"), (check.GetProperty("name").GetString(), check.GetProperty("status").GetString(),
            check.GetProperty("evidence").GetProperty("freeGb").GetString()));
        Assert.Equal(new[] { "pre-checks", "deploy" }, json.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("Failed", json.GetProperty("phases")[1].GetProperty("status").GetString());
        Assert.True(json.GetProperty("phases")[1].GetProperty("durationSeconds").GetDouble() >= 0);
        var drain = json.GetProperty("maintenance").GetProperty("drain");
        Assert.Equal((2L, 5L), (drain.GetProperty("lastCount").GetInt64(), drain.GetProperty("threshold").GetInt64()));
        Assert.Equal(30.0, json.GetProperty("maintenance").GetProperty("durationSeconds").GetDouble());
        var final = json.GetProperty("health").GetProperty("final");
        Assert.Equal(("Rollback", "errorRate", 12.5, 5.0), (final.GetProperty("verdict").GetString(), final.GetProperty("rule").GetString(),
            final.GetProperty("value").GetDouble(), final.GetProperty("threshold").GetDouble()));
        Assert.Equal(3, json.GetProperty("health").GetProperty("samples").GetArrayLength());
        Assert.Contains(json.GetProperty("health").GetProperty("thresholds").EnumerateArray(),
            t => t.GetProperty("signal").GetString() == "p95" && t.GetProperty("value").GetDouble() == 800 && t.GetProperty("source").GetString() == "configuration");
        Assert.Equal("Succeeded", json.GetProperty("rollback").GetProperty("outcome").GetString());
        Assert.Equal(OperatorIdentity.Current.User, json.GetProperty("approvals")[0].GetProperty("by").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("backup").ValueKind);   // none taken: not invented

        var md = (await Export(id, ReportFormat.Markdown, sink))!;
        Assert.Contains("| Version | 1.0.0 → 2.0.0 |", md);
        Assert.Contains("Rollback: rule errorRate (errorRate 12.5% > 5%)", md.Replace("\\>", ">"));
        Assert.Contains("Backup: not recorded", md);
        Assert.Contains("## Sign-off", md);
        Assert.DoesNotContain("<script>", md);

        var html = (await Export(id, ReportFormat.Html, sink))!;
        Assert.DoesNotContain("<script", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("<svg", html);
        Assert.Contains("class=\"threshold\"", html);
        Assert.Contains("decision 1: Rollback", html);
        Assert.Contains("rollback started", html);
        Assert.DoesNotContain("http://evil\"", html);
        Assert.DoesNotMatch("(src|href)=\"http", html);   // self-contained: nothing fetched
        Assert.Empty(sink.Warnings);
    }

    [Fact]
    public async Task A_deployment_with_nothing_but_its_journal_says_not_recorded_instead_of_inventing()
    {
        string id;
        await using (var store = DeploymentStore.Open(_config))
        await using (var tracker = await DeploymentTracker.StartAsync(store, new DeploymentStart { Version = "3.0.0", Strategy = "Hotfix" }, CancellationToken.None))
        {
            id = tracker.Id;
            await tracker.FinishAsync(DeploymentOutcome.Succeeded, null, CancellationToken.None);
        }
        var json = JsonDocument.Parse((await Export(id, ReportFormat.Json, new RecordingSink()))!).RootElement;
        foreach (var part in new[] { "preChecks", "maintenance", "backup", "health", "rollback", "incident" })
            Assert.Equal(JsonValueKind.Null, json.GetProperty(part).ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("deployment").GetProperty("previousVersion").ValueKind);
        var md = (await Export(id, ReportFormat.Markdown, new RecordingSink()))!;
        Assert.Contains("| Version | not recorded → 3.0.0 |", md);
        Assert.Contains("Health watch: not recorded", md);
        Assert.Contains("Pre-deployment checks: not recorded", md);
        var html = (await Export(id, ReportFormat.Html, new RecordingSink()))!;
        Assert.DoesNotContain("<svg", html);
        Assert.Contains("Health watch: not recorded", html);
    }

    [Fact]
    public async Task An_unknown_id_is_DeploymentNotFound_naming_the_id()
    {
        var error = await Assert.ThrowsAsync<DeployOpsException>(() => Export("20000101-000000-abcdef", ReportFormat.Markdown, new RecordingSink()));
        Assert.Equal(ErrorIds.DeploymentNotFound, error.ErrorId);
        Assert.Contains("20000101-000000-abcdef", error.Message);
    }

    [Fact]
    public async Task OutFile_is_written_after_ShouldProcess_and_never_replaced_without_Force()
    {
        var id = await RecordRolledBackDeploymentAsync();
        var file = Path.Combine(_cfg.Directory, "report.html");

        Assert.Null(await Export(id, ReportFormat.Html, RecordingSink.WhatIf(), file));
        Assert.False(File.Exists(file));

        Assert.Equal(file, await Export(id, ReportFormat.Html, new RecordingSink(), file));
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(file));
        Assert.Empty(Directory.GetFiles(_cfg.Directory, ".report.html*.tmp"));

        var exists = await Assert.ThrowsAsync<DeployOpsException>(() => Export(id, ReportFormat.Json, new RecordingSink(), file));
        Assert.Equal(ErrorIds.ReportFileExists, exists.ErrorId);
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(file));

        await Export(id, ReportFormat.Json, new RecordingSink(), file, force: true);
        Assert.StartsWith("{", File.ReadAllText(file));

        var missing = Path.Combine(_cfg.Directory, "no-such-folder", "sub", "r.md");
        File.WriteAllText(Path.Combine(_cfg.Directory, "no-such-folder"), "a file where a folder should be");
        var failed = await Assert.ThrowsAsync<DeployOpsException>(() => Export(id, ReportFormat.Markdown, new RecordingSink(), missing));
        Assert.Equal(ErrorIds.ReportWriteFailed, failed.ErrorId);
    }

    [Fact]
    public async Task A_corrupt_decision_record_is_a_warning_and_the_report_is_still_produced()
    {
        var id = await RecordRolledBackDeploymentAsync();
        File.WriteAllText(Path.Combine(_config.State.Directory, "deployments", id, "decision-7.json"), "{ not json");
        var sink = new RecordingSink();
        var json = JsonDocument.Parse((await Export(id, ReportFormat.Json, sink))!).RootElement;
        Assert.Contains(sink.Warnings, w => w.Contains("decision-7.json"));
        Assert.Equal(1, json.GetProperty("health").GetProperty("decisions").GetArrayLength());
    }

    [Fact]
    public void Markdown_escaping_keeps_hostile_text_as_text()
    {
        var escaped = MarkdownReport.E("a|b <img src=x> *x* [l](u)\nnext");
        Assert.Equal(@"a\|b \<img src=x\> \*x\* \[l\](u) next", escaped);
    }

    private Task<string?> Export(string id, ReportFormat format, RecordingSink sink, string? outFile = null, bool force = false) =>
        DeploymentReports.ExportAsync(_config, new ReportOptions { DeploymentId = id, Format = format, OutFile = outFile, Force = force, Clock = _clock },
            sink, CancellationToken.None);

    // A deployment as the engine leaves it: journal, audit lines, pre-check evidence, health samples, a decision record.
    private async Task<string> RecordRolledBackDeploymentAsync()
    {
        var t0 = _clock.GetUtcNow();
        string id;
        await using (var store = DeploymentStore.Open(_config))
        await using (var tracker = await DeploymentTracker.StartAsync(store,
            new DeploymentStart { Version = "2.0.0", PreviousVersion = "1.0.0", Strategy = "BlueGreen" }, CancellationToken.None))
        {
            id = tracker.Id;
            await tracker.AnnotateAsync(DeploymentField.ChangeTicket, "CHG-42", CancellationToken.None);
            await tracker.AnnotateAsync(DeploymentField.Reason, Hostile, CancellationToken.None);
            await tracker.PhaseStartedAsync("pre-checks", CancellationToken.None);
            await tracker.PhaseCompletedAsync("pre-checks", "1 check(s) passed", CancellationToken.None);
            await tracker.PhaseStartedAsync("deploy", CancellationToken.None);
            await tracker.PhaseFailedAsync("deploy", Hostile, CancellationToken.None);
            await tracker.FinishAsync(DeploymentOutcome.RolledBack, "health: errorRate", CancellationToken.None);
        }
        PreCheckEvidence.Write(_config, id, new PreDeploymentReport(new[]
        {
            new CheckResult("disk", "disk", "system", CheckStatus.Passed, "12.5 GB free", TimeSpan.FromMilliseconds(3), "/",
                new Dictionary<string, object?> { ["freeGb"] = 12.5 }),
        }, strict: false, TimeSpan.FromMilliseconds(3)), new RecordingSink());

        var audit = AuditLog.For(_config);
        audit.Write("Approve-Deployment", "approve canary gate", id, "Succeeded", null, id);
        audit.Write("Invoke-Deployment", "enter maintenance", "file /srv/flag", "Succeeded", null, id);
        audit.Write("Invoke-Deployment", "drain", "http://127.0.0.1/conn", "Drained", new Dictionary<string, string>
            { ["lastCount"] = "2", ["threshold"] = "5", ["samples"] = "4", ["elapsedMs"] = "3000", ["message"] = "drained" }, id);
        audit.Write("Invoke-Deployment", "exit maintenance", "file /srv/flag", "Succeeded", null, id);
        audit.Write("Invoke-Rollback", $"Roll back deployment {id} (BlueGreen) from 2.0.0 to 1.0.0", "shop/prod", "Started",
            new Dictionary<string, string> { ["reason"] = Hostile }, id);
        audit.Write("Invoke-Rollback", $"Roll back deployment {id} (BlueGreen) from 2.0.0 to 1.0.0", "shop/prod", "Succeeded",
            new Dictionary<string, string> { ["from"] = "2.0.0", ["to"] = "1.0.0", ["exitCode"] = "0" }, id);
        // The audit log stamps the wall clock; the window and the chart marks are checked against fixed times.
        SetAuditTimes(t0, 1, 2, 3, 32, 35, 50);

        var recorder = new HealthRecorder(_config.State.Directory, id, _config.Redactor);
        StateDirectory.Ensure(recorder.Directory);
        var lines = new[] { (1, 0.2, 120.0), (2, 9.0, 300.0), (3, 12.5, 450.0) }.Select(s => JsonSerializer.Serialize(new RecordedSample
        {
            Sequence = s.Item1, Time = t0.AddSeconds(10 * s.Item1), Elapsed = TimeSpan.FromSeconds(10 * s.Item1), Phase = "early",
            Verdict = s.Item1 == 3 ? HealthVerdict.Rollback : HealthVerdict.Healthy,
            Signals = new Dictionary<string, double> { ["errorRate"] = s.Item2, ["p95"] = s.Item3, ["requests"] = 100 },
        }, HealthRecorder.Json));
        File.WriteAllLines(recorder.SamplesPath, lines);
        recorder.WriteDecision(new HealthDecision("w", id, 1, HealthVerdict.Rollback, "errorRate", "errorRate", ">", 5, 12.5, "early",
            t0.AddSeconds(20), TimeSpan.FromSeconds(20), t0.AddSeconds(30), TimeSpan.FromSeconds(30), 3, Array.Empty<RuleFinding>(),
            Array.Empty<BreachSample>(), new[] { "errorRate 12.5% > 5%" }, 3, null, true));
        return id;
    }

    private void SetAuditTimes(DateTimeOffset t0, params int[] seconds)
    {
        var path = AuditLog.For(_config).FilePath;
        File.WriteAllLines(path, File.ReadAllLines(path).Select((line, i) =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            node["time"] = t0.AddSeconds(seconds[i]).ToString("o");
            return node.ToJsonString();
        }));
    }
}
