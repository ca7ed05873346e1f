using System.Globalization;
using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;
using K = DeployOps.Engine.State.JournalProjection.Keys;

namespace DeployOps.Engine.Tests.Strategies;

/// <summary>
/// Resume-Deployment of a deployment with deployment.approval whose process died: (a) while it waited for sign-off,
/// an approval given meanwhile by a listed approver counts if it came within the timeout of the request, a denial
/// stops it with DeploymentNotApproved, an expired approval is ignored and the sign-off asked for again; (b) after
/// the sign-off was given, it is on the record and not asked for again. The crashed deployment is written as a killed
/// process leaves it: journal and pending entry, lock released, no end event.
/// </summary>
public sealed class SignOffResumeTests : IDisposable
{
    private readonly LoopbackHttpServer _app = new LoopbackHttpServer().Route("/health", 200, "ok");
    private readonly NotificationReceiver _receiver = new();
    private readonly TempConfig _temp;
    private readonly ConfigModel _config;

    public SignOffResumeTests()
    {
        _temp = new TempConfig($$"""
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
                required: true
                approvers: [alice, Bob]
                timeout: 30m
            notifications:
              timeout: 5s
              retries: 0
              targets:
                - { name: hook, type: webhook, url: "{{_receiver.Url("/hook")}}" }
            """);
        _config = ConfigLoader.Load(_temp.Path);
    }

    public void Dispose()
    {
        _app.Dispose();
        _receiver.Dispose();
        _temp.Dispose();
    }

    /// <summary>A deployment killed while it waited for the sign-off requested at <paramref name="requested"/>
    /// (or, with <paramref name="approvedBy"/>, killed after that approval was journaled).</summary>
    private async Task<string> CrashedAsync(DateTimeOffset requested, string? approvedBy = null)
    {
        var id = DeploymentIds.New();
        var me = OperatorIdentity.Current;
        var fields = new Dictionary<string, string>
        {
            [DeploymentSignOff.RequestedField] = DeploymentSignOff.FormatTime(requested),
            [DeploymentSignOff.ApproversField] = "alice,Bob",
            [DeploymentSignOff.StatusField] = approvedBy is null ? nameof(SignOffStatus.Pending) : nameof(SignOffStatus.Approved),
        };
        if (approvedBy is not null)
        {
            fields[DeploymentSignOff.ByField] = approvedBy;
            fields[DeploymentSignOff.HostField] = "approver-host";
            fields[DeploymentSignOff.TimeField] = DeploymentSignOff.FormatTime(requested.AddMinutes(1));
        }
        await using (var store = DeploymentStore.Open(_config))
        {
            var held = await store.AcquireLockAsync(id, CancellationToken.None);
            await store.AppendAsync(id, new JournalEvent(JournalEventKind.Started, data: new Dictionary<string, string>
            {
                [K.Application] = "shop", [K.Environment] = "production", [K.Version] = "1.0.9", [K.PreviousVersion] = "1.0.8",
                [K.Strategy] = nameof(DeploymentStrategy.Hotfix), [K.User] = "deployer", [K.Host] = me.Host,
                [K.ProcessId] = "999999",
            }, time: requested.AddSeconds(-1)), CancellationToken.None);
            await store.AppendAsync(id, new JournalEvent(JournalEventKind.Annotated, data: fields, time: requested), CancellationToken.None);
            await held.ReleaseAsync(); // the process is gone: its lock with it, no end event
        }
        if (approvedBy is null)
        {
            await using var approvals = new FileApprovalStore(_config);
            await approvals.SetPendingAsync(new DeploymentApproval(id, SignOffRequest.Gate, "", me.Host, requested, "Deploy 1.0.9"), CancellationToken.None);
        }
        return id;
    }

    /// <summary>Approve-Deployment / Deny-Deployment by <paramref name="by"/>, made at <paramref name="at"/>.</summary>
    private async Task DecideAsync(string id, string by, bool denied, DateTimeOffset at, string comment = "ok")
    {
        await using var approvals = new FileApprovalStore(_config);
        await approvals.SaveApprovalAsync(new DeploymentApproval(id, SignOffRequest.Gate, by, "approver-host", at, comment, denied), CancellationToken.None);
    }

    private Task<DeploymentRecord?> ResumeAsync(string id, RecordingSink sink) =>
        DeploymentEngine.ResumeAsync(_config, new ResumeDeploymentOptions { Id = id }, sink, CancellationToken.None);

    private IReadOnlyList<string?> Events() =>
        _receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Select(e => e.TryGetProperty("event", out var v) ? v.GetString() : null).ToList();

    private async Task<DeploymentApproval?> PendingAsync(string id)
    {
        await using var approvals = new FileApprovalStore(_config);
        return await approvals.FindPendingAsync(id, CancellationToken.None);
    }

    [Fact(Timeout = 120_000)]
    public async Task An_approval_given_while_nobody_waited_lets_Resume_deploy_without_asking_again()
    {
        var requested = DateTimeOffset.UtcNow.AddMinutes(-10);
        var id = await CrashedAsync(requested);
        Assert.Equal(DeploymentOutcome.Interrupted, (await StateOf(id)).Outcome);
        await DecideAsync(id, "Bob", denied: false, DateTimeOffset.UtcNow.AddMinutes(-2), "plan reviewed");

        var sink = new RecordingSink();
        var record = await ResumeAsync(id, sink).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal((SignOffStatus.Approved, "Bob", "plan reviewed"), (record.SignOff!.Status, record.SignOff.By, record.SignOff.Comment));
        Assert.Equal(requested, record.SignOff.Requested, TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain("approvalRequested", Events());
        Assert.Contains("deploymentApproved", Events());
        Assert.DoesNotContain(sink.Warnings, w => w.Contains("waits up to"));
        Assert.Null(await PendingAsync(id));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_denial_given_while_nobody_waited_stops_Resume_with_DeploymentNotApproved()
    {
        var id = await CrashedAsync(DateTimeOffset.UtcNow.AddMinutes(-10));
        await DecideAsync(id, "alice", denied: true, DateTimeOffset.UtcNow.AddMinutes(-1), "not during the sale");

        var sink = new RecordingSink();
        var record = await ResumeAsync(id, sink).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(DeploymentOutcome.Failed, record!.Outcome);
        Assert.Empty(record.Phases);
        Assert.Equal((SignOffStatus.Denied, "alice"), (record.SignOff!.Status, record.SignOff.By));
        Assert.Contains("alice denied the sign-off while the deployment was stopped: not during the sale", record.Error);
        var error = Assert.Single(sink.Errors);
        Assert.Equal((ErrorIds.DeploymentNotApproved, ErrorKind.PermissionDenied), (error.ErrorId, error.Kind));
        Assert.Contains("deploymentNotApproved", Events());
        Assert.DoesNotContain("deploymentStarted", Events());
        Assert.Null(await PendingAsync(id));
        await using var store = DeploymentStore.Open(_config);
        Assert.Null(await store.GetLockAsync(CancellationToken.None));
    }

    [Fact(Timeout = 120_000)]
    public async Task An_approval_given_after_the_request_expired_is_ignored_and_Resume_asks_again()
    {
        var requested = DateTimeOffset.UtcNow.AddHours(-2);
        var id = await CrashedAsync(requested);
        var late = requested.AddMinutes(45); // the timeout is 30m
        await DecideAsync(id, "alice", denied: false, late, "too late");

        var sink = new RecordingSink();
        var resuming = ResumeAsync(id, sink);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Events().Contains("approvalRequested") && !resuming.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.False(resuming.IsCompleted, "Resume-Deployment went on with an expired approval");
        Assert.Contains("approvalRequested", Events());
        Assert.Contains(sink.Warnings, w => w.Contains("Ignored the approval of alice at " + DeploymentSignOff.FormatTime(late)) && w.Contains("had expired"));
        Assert.NotNull(await PendingAsync(id));

        await DecideAsync(id, "Bob", denied: false, DateTimeOffset.UtcNow, "fresh look");
        var record = await resuming.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal(("Bob", "fresh look"), (record.SignOff!.By, record.SignOff.Comment));
        Assert.True(record.SignOff.Requested > requested.AddHours(1), "the new request's time is on the record");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_deployment_killed_after_its_sign_off_is_resumed_without_asking_again()
    {
        var requested = DateTimeOffset.UtcNow.AddHours(-3); // long expired: the sign-off on the record still counts
        var id = await CrashedAsync(requested, approvedBy: "alice");

        var sink = new RecordingSink();
        var record = await ResumeAsync(id, sink).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(record!.Outcome == DeploymentOutcome.Succeeded, record.Error);
        Assert.Equal((SignOffStatus.Approved, "alice"), (record.SignOff!.Status, record.SignOff.By));
        Assert.Equal(requested, record.SignOff.Requested, TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain("approvalRequested", Events());
        Assert.DoesNotContain("deploymentApproved", Events()); // announced once, when it was given
        Assert.DoesNotContain(sink.Progress, p => p.ActivityId == SignOffRequest.ActivityId);
    }

    private async Task<DeploymentRecord> StateOf(string id)
    {
        await using var store = DeploymentStore.Open(_config);
        return (await store.GetAsync(id, CancellationToken.None))!;
    }
}
