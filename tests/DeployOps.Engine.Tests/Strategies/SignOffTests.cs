using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// deployment.approval: Invoke-Deployment asks for sign-off (approvalRequested to a real webhook receiver), waits on a
/// fake clock, and deploys only after a listed approver's decision in the approval store; a denial, the timeout and
/// Ctrl+C stop it with DeploymentNotApproved before anything ran, the record finished Failed with the sign-off on it.
/// Decisions from "another host" are written straight into the store, as Approve-Deployment there would.
/// </summary>
public sealed class SignOffTests : IDisposable
{
    private readonly LoopbackHttpServer _app = new LoopbackHttpServer().Route("/health", 200, "ok");
    private readonly NotificationReceiver _receiver = new();
    private readonly List<TempConfig> _configs = new();

    public void Dispose()
    {
        _app.Dispose();
        _receiver.Dispose();
        foreach (var c in _configs) c.Dispose();
    }

    private ConfigModel Load(string approval = "required: true\n    approvers: [alice, Bob]\n    timeout: 30m")
    {
        var temp = new TempConfig($$"""
            application: shop
            environment: production
            state:
              directory: ./state
            deployment:
              strategy: hotfix
              instances:
                - { name: web1, host: 127.0.0.1, port: {{_app.Port}} }
              readiness: { timeout: 20s, interval: 100ms }
              steps:
                start: [ { name: start, command: "echo started" } ]
              approval:
                {{approval}}
            notifications:
              timeout: 5s
              retries: 0
              targets:
                - name: hook
                  type: webhook
                  url: {{_receiver.Url("/hook")}}
            """);
        _configs.Add(temp);
        return ConfigLoader.Load(temp.Path);
    }

    /// <summary>The running deployment's id once it waits for sign-off (its pending entry is in the store and the
    /// request, sent after it, has arrived).</summary>
    private async Task<string> WaitingAsync(ConfigModel config, Task running)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        await using var store = DeploymentStore.Open(config);
        await using var approvals = new FileApprovalStore(config);
        while (DateTime.UtcNow < deadline && !running.IsCompleted)
        {
            if ((await store.GetLockAsync(CancellationToken.None))?.DeploymentId is { } id
                && await approvals.FindPendingAsync(id, CancellationToken.None) is { Gate: SignOffRequest.Gate }
                && Events().Any(e => Event(e) == "approvalRequested"))
                return id;
            await Task.Delay(50);
        }
        await running; // surfaces the failure that ended it early
        throw new TimeoutException("the deployment never waited for sign-off");
    }

    /// <summary>Another host's Approve-Deployment / Deny-Deployment, as the store keeps it.</summary>
    private static async Task DecideAsync(ConfigModel config, string id, string by, string? comment, bool denied)
    {
        await using var approvals = new FileApprovalStore(config);
        await approvals.SaveApprovalAsync(new DeploymentApproval(id, SignOffRequest.Gate, by, "approver-host", DateTimeOffset.UtcNow, comment, denied),
            CancellationToken.None);
    }

    /// <summary>Moves the fake clock one poll on, once the wait sits in its delay.</summary>
    private static async Task TickAsync(ManualClock clock, TimeSpan by)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (clock.Waiting == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        clock.Advance(by);
    }

    private IReadOnlyList<JsonElement> Events() =>
        _receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();

    private static string? Event(JsonElement e) => e.TryGetProperty("event", out var v) ? v.GetString() : null;

    [Fact(Timeout = 120_000)]
    public async Task It_deploys_only_after_a_listed_approver_signs_off_and_keeps_who_when_and_why_on_the_record()
    {
        var config = Load();
        var clock = new ManualClock();
        var sink = new RecordingSink();
        var running = DeploymentEngine.InvokeAsync(config, new DeploymentOptions
        {
            Version = "1.0.1", Clock = clock, Reason = "fix checkout", ChangeTicket = "CHG-7",
        }, sink, CancellationToken.None);
        var id = await WaitingAsync(config, running);

        await using (var store = DeploymentStore.Open(config))
        {
            var waiting = (await store.GetAsync(id, CancellationToken.None))!;
            Assert.Empty(waiting.Phases); // nothing runs before the sign-off
            Assert.Equal(SignOffStatus.Pending, waiting.SignOff!.Status);
            Assert.Equal(new[] { "alice", "Bob" }, waiting.SignOff.Approvers);
        }
        var requested = Assert.Single(Events(), e => Event(e) == "approvalRequested");
        Assert.Contains("hotfix:web1", requested.GetProperty("fields").GetProperty("plan").GetString());
        Assert.Contains($"Approve-Deployment -Id {id}", requested.GetProperty("text").GetString());
        Assert.DoesNotContain(Events(), e => Event(e) == "deploymentStarted");

        // Someone not listed: ignored with a warning, still waiting.
        await DecideAsync(config, id, "mallory", "me too", denied: false);
        await TickAsync(clock, TimeSpan.FromSeconds(1));
        await TickAsync(clock, TimeSpan.FromSeconds(1));
        Assert.False(running.IsCompleted);
        Assert.Contains(sink.Warnings, w => w.Contains("Ignored the sign-off decision of mallory"));

        await DecideAsync(config, id, "ALICE", "plan reviewed", denied: false);
        await TickAsync(clock, TimeSpan.FromSeconds(1));
        var record = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(SignOffStatus.Approved, record.SignOff!.Status);
        Assert.Equal("ALICE", record.SignOff.By);
        Assert.Equal("approver-host", record.SignOff.Host);
        Assert.Equal("plan reviewed", record.SignOff.Comment);
        Assert.NotNull(record.SignOff.Time);
        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromSeconds(3), record.SignOff.Requested);
        Assert.Contains(sink.Progress, p => p.ActivityId == SignOffRequest.ActivityId && p.Status.Contains($"Approve-Deployment -Id {id}"));
        Assert.Contains(sink.Progress, p => p.ActivityId == SignOffRequest.ActivityId && p.Completed);

        var order = Events().Select(Event).ToList();
        Assert.True(order.IndexOf("deploymentApproved") < order.IndexOf("deploymentStarted"), string.Join(",", order));
        var approved = Events().Single(e => Event(e) == "deploymentApproved");
        Assert.Equal("ALICE", approved.GetProperty("fields").GetProperty("approver").GetString());
        Assert.Equal("plan reviewed", approved.GetProperty("fields").GetProperty("comment").GetString());
        var audit = File.ReadAllLines(Audit.AuditLog.For(config).FilePath);
        Assert.Contains(audit, l => l.Contains("\"Approved\"") && l.Contains("plan reviewed") && l.Contains("ALICE"));
        await using var approvals = new FileApprovalStore(config);
        Assert.Null(await approvals.FindPendingAsync(id, CancellationToken.None));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_denial_stops_it_with_DeploymentNotApproved_before_anything_ran_and_frees_the_lock()
    {
        var config = Load();
        var clock = new ManualClock();
        var sink = new RecordingSink();
        var running = DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = "1.0.2", Clock = clock }, sink, CancellationToken.None);
        var id = await WaitingAsync(config, running);

        await DecideAsync(config, id, "bob", "not during the sale", denied: true);
        await TickAsync(clock, TimeSpan.FromSeconds(1));
        var record = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        Assert.Empty(record.Phases);
        Assert.Equal(SignOffStatus.Denied, record.SignOff!.Status);
        Assert.Equal("bob", record.SignOff.By);
        Assert.Equal("not during the sale", record.SignOff.Comment);
        Assert.Contains("bob denied the sign-off: not during the sale", record.Error);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DeploymentNotApproved, error.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, error.Kind);
        var notApproved = Assert.Single(Events(), e => Event(e) == "deploymentNotApproved");
        Assert.Equal("bob", notApproved.GetProperty("fields").GetProperty("approver").GetString());
        Assert.DoesNotContain(Events(), e => Event(e) is "deploymentStarted" or "deploymentFailed");
        await using var store = DeploymentStore.Open(config);
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
    }

    [Fact(Timeout = 120_000)]
    public async Task Nobody_signing_off_within_the_timeout_stops_it_and_the_wait_ends_on_the_clock()
    {
        var config = Load("required: true\n    approvers: [alice]\n    timeout: 10s");
        var clock = new ManualClock();
        var sink = new RecordingSink();
        var running = DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = "1.0.3", Clock = clock }, sink, CancellationToken.None);
        await WaitingAsync(config, running);

        for (var i = 0; i < 11 && !running.IsCompleted; i++) await TickAsync(clock, TimeSpan.FromSeconds(1));
        var record = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        Assert.Equal(SignOffStatus.TimedOut, record.SignOff!.Status);
        Assert.Null(record.SignOff.By);
        Assert.Contains("nobody of alice signed it off within 10s", record.Error);
        var error = Assert.Single(sink.Errors);
        Assert.Equal(ErrorIds.DeploymentNotApproved, error.ErrorId);
        Assert.Equal(ErrorKind.OperationTimeout, error.Kind);
        Assert.Contains(sink.Progress, p => p.ActivityId == SignOffRequest.ActivityId && p.SecondsRemaining is > 0 and <= 10);
    }

    [Fact(Timeout = 120_000)]
    public async Task Ctrl_C_while_waiting_finishes_the_record_failed_not_interrupted_and_clears_the_request()
    {
        var config = Load();
        var clock = new ManualClock();
        using var cts = new CancellationTokenSource();
        var running = DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = "1.0.4", Clock = clock }, new RecordingSink(), cts.Token);
        var id = await WaitingAsync(config, running);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(60)));

        await using var store = DeploymentStore.Open(config);
        var record = (await store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(DeploymentOutcome.Failed, record.Outcome); // nothing to resume: nothing ran
        Assert.Equal(SignOffStatus.Cancelled, record.SignOff!.Status);
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
        await using var approvals = new FileApprovalStore(config);
        Assert.Null(await approvals.FindPendingAsync(id, CancellationToken.None));
    }

    [Fact(Timeout = 60_000)]
    public async Task WhatIf_shows_the_sign_off_as_the_first_step_and_requests_nothing()
    {
        var config = Load();
        var sink = new RecordingSink((_, _) => false) { IsDryRun = true };

        Assert.Null(await DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = "1.0.5" }, sink, CancellationToken.None));

        var (_, action) = Assert.Single(sink.ShouldProcessCalls);
        Assert.StartsWith("Request sign-off by one of alice, Bob within 30m, then: Deploy 1.0.5", action);
        var plan = sink.RecordsOf<DeploymentPlanItem>().ToList();
        Assert.Equal((1, "sign-off"), (plan[0].Order, plan[0].Phase));
        Assert.Equal(2, plan[1].Order);
        Assert.Empty(_receiver.Requests);
        Assert.False(Directory.Exists(Path.Combine(config.State.Directory, "approvals")));
    }

    [Fact(Timeout = 60_000)]
    public async Task Only_a_listed_approver_may_decide_a_sign_off_and_a_denial_is_kept_as_one()
    {
        var me = OperatorIdentity.Current.User;
        var strangers = Load();
        await using (var approvals = new FileApprovalStore(strangers))
            await approvals.SetPendingAsync(new DeploymentApproval("dep-1", SignOffRequest.Gate, "", "h", DateTimeOffset.UtcNow, "Deploy 2.0"), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<DeployOpsException>(() =>
            ApprovalCommands.ApproveAsync(strangers, "dep-1", "ok", new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.ApproverNotListed, refused.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, refused.Kind);
        Assert.Contains("not one of deployment.approval.approvers (alice, Bob)", refused.Message);
        await using (var approvals = new FileApprovalStore(strangers))
            Assert.Null(await approvals.FindApprovalAsync("dep-1", SignOffRequest.Gate, CancellationToken.None));

        var mine = Load($"required: true\n    approvers: [{me}]");
        await using (var approvals = new FileApprovalStore(mine))
            await approvals.SetPendingAsync(new DeploymentApproval("dep-2", SignOffRequest.Gate, "", "h", DateTimeOffset.UtcNow, "Deploy 2.0"), CancellationToken.None);
        var denial = await ApprovalCommands.DenyAsync(mine, "dep-2", "wrong version", new RecordingSink(), CancellationToken.None);
        Assert.True(denial!.Denied);
        await using (var approvals = new FileApprovalStore(mine))
        {
            var kept = await approvals.FindApprovalAsync("dep-2", SignOffRequest.Gate, CancellationToken.None);
            Assert.True(kept!.Denied);
            Assert.Equal(me, kept.ApprovedBy);
            Assert.Equal("wrong version", kept.Reason);
        }
        var none = await Assert.ThrowsAsync<DeployOpsException>(() =>
            ApprovalCommands.DenyAsync(mine, "dep-3", "x", new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.ApprovalNotPending, none.ErrorId);
    }

    [Fact]
    public void Approval_settings_errors_name_the_key_and_line()
    {
        using var temp = new TempConfig("""
            application: a
            environment: b
            deployment:
              approval:
                required: true
                timeout: 8d
            """);
        var errors = ConfigLoader.Validate(temp.Path);
        var required = Assert.Single(errors, e => e.Path == "deployment.approval.required");
        Assert.Contains("needs approvers", required.Message);
        Assert.Equal(5, required.Line);
        var timeout = Assert.Single(errors, e => e.Path == "deployment.approval.timeout");
        Assert.Contains("at most 168h", timeout.Message);

        using var zero = new TempConfig("application: a\nenvironment: b\ndeployment:\n  approval: { required: true, approvers: [a], timeout: 0s }\n");
        Assert.Contains(ConfigLoader.Validate(zero.Path), e => e.Path == "deployment.approval.timeout");
        using var unknown = new TempConfig("application: a\nenvironment: b\ndeployment:\n  approval: { required: true, approvers: [a], approver: b }\n");
        Assert.Contains(ConfigLoader.Validate(unknown.Path), e => e.Path.StartsWith("deployment.approval", StringComparison.Ordinal));
    }
}
