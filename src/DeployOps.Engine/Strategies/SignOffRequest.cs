using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Notifications;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// The sign-off before deploying (<c>deployment.approval.required</c>): under the deployment's lock, with its record
/// started, Invoke-Deployment records a pending <c>sign-off</c> entry in the approval store, sends approvalRequested
/// with the plan, and waits (on the injected clock, with progress) for Approve-Deployment or Deny-Deployment by a
/// listed approver. Only an approval lets the phases run; a denial, the timeout or Ctrl+C finish the record Failed
/// with DeploymentNotApproved before anything changed. The decision is journaled on the record (see
/// <see cref="DeploymentSignOff"/>), audited and notified.
/// </summary>
internal static class SignOffRequest
{
    /// <summary>The approval store's gate name of the sign-off (a canary gate is named gate:N%).</summary>
    public const string Gate = "sign-off";
    public const int ActivityId = 42;

    /// <summary>True when the deployment still needs a sign-off (required, and not approved before an interruption).</summary>
    public static bool IsNeeded(DeploymentRun run) => run.Settings.Approval.Required &&
        run.Fields.GetValueOrDefault(DeploymentSignOff.StatusField) != nameof(SignOffStatus.Approved);

    /// <summary>What -WhatIf shows first when a sign-off is required.</summary>
    public static DeploymentPlanItem PlanItem(ConfigModel config, int order) => new(order, Gate,
        $"Request {config.Deployment.Approval.Describe()} (approvalRequested notification), then wait; nothing is deployed without it",
        $"{config.Application}/{config.Environment}",
        new[] { "approve: Approve-Deployment -Id <id> -Comment '…'", "deny: Deny-Deployment -Id <id> -Comment '…' (DeploymentNotApproved)" },
        movesTraffic: false);

    /// <summary>
    /// Requests the sign-off and waits. Returns null when approved (or none is needed); otherwise the record, finished
    /// Failed, after the DeploymentNotApproved error was written. Ctrl+C finishes the record the same way and rethrows.
    /// </summary>
    public static async Task<DeploymentRecord?> AwaitAsync(DeploymentRun run, string plan, TimeProvider clock, string command,
        CancellationToken ct)
    {
        if (!IsNeeded(run)) return null;
        var settings = run.Settings.Approval;
        var config = run.Config;
        var approvers = string.Join(", ", settings.Approvers);
        var timeout = ValueParsers.FormatDuration(settings.Timeout);
        DateTimeOffset? ignoreUpTo = null;
        if (DeploymentSignOff.FromFields(run.Fields) is { } earlier)
        {
            // Resumed after a crash while waiting: a decision made while nobody waited answers the earlier request.
            var (given, stale) = await DecidedWhileStoppedAsync(run, earlier, clock, ct).ConfigureAwait(false);
            if (given is { Denied: true })
                return await RefuseAsync(run, SignOffStatus.Denied, given, clock, $"{given.ApprovedBy} denied the sign-off while the deployment was stopped" +
                    (given.Reason is { Length: > 0 } why ? $": {config.Redactor.Redact(why)}" : ""), ErrorKind.PermissionDenied, command).ConfigureAwait(false);
            if (given is not null)
            {
                await ApprovedAsync(run, given, command, ct).ConfigureAwait(false);
                return null;
            }
            ignoreUpTo = stale;
        }
        await run.AnnotateAsync(DeploymentSignOff.RequestedField, DeploymentSignOff.FormatTime(clock.GetUtcNow()), ct).ConfigureAwait(false);
        await run.AnnotateAsync(DeploymentSignOff.ApproversField, string.Join(",", settings.Approvers), ct).ConfigureAwait(false);
        await run.AnnotateAsync(DeploymentSignOff.StatusField, nameof(SignOffStatus.Pending), ct).ConfigureAwait(false);

        var how = $"Approve-Deployment -Id {run.Id} -Comment '…' (or Deny-Deployment -Id {run.Id} -Comment '…') by one of {approvers}";
        run.Log.Write($"sign-off requested from {approvers}, waiting up to {timeout}");
        run.Sink.WriteWarning($"Deployment {run.Id} of {run.Version} waits up to {timeout} for sign-off: {how}");
        AuditLog.For(config).Write(command, "request sign-off", Subject(run), "Requested",
            new Dictionary<string, string> { ["approvers"] = approvers, ["timeout"] = timeout }, run.Id);
        var values = NotificationValues.Of(run, null);
        values["plan"] = config.Redactor.Redact(plan);
        values["message"] = $"Sign off within {timeout}: {how}.";

        DeploymentApproval? decision;
        var ignored = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var approvals = CanaryApprovals.Open(config))
        {
            try
            {
                decision = await approvals.WaitAsync(run.Id, Gate, config.Redactor.Redact(plan), settings.Timeout, ct, clock,
                    d => (ignoreUpTo is null || d.Time > ignoreUpTo) && Counts(run, d, ignored), left => Progress(run, left),
                    () => new Notifier(config, run.Sink).NotifyAsync(NotificationEvent.ApprovalRequested, values, command, run.Id, ct))
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await RefuseAsync(run, SignOffStatus.Cancelled, null, clock, $"the sign-off wait was cancelled by {OperatorIdentity.Current}",
                    ErrorKind.OperationStopped, command).ConfigureAwait(false);
                throw;
            }
            finally
            {
                run.Sink.WriteProgress(new ProgressUpdate(ActivityId, Activity(run), "Done", 100, Completed: true));
            }
        }
        if (decision is null)
            return await RefuseAsync(run, SignOffStatus.TimedOut, null, clock,
                $"nobody of {approvers} signed it off within {timeout}", ErrorKind.OperationTimeout, command).ConfigureAwait(false);
        if (decision.Denied)
            return await RefuseAsync(run, SignOffStatus.Denied, decision, clock, $"{decision.ApprovedBy} denied the sign-off" +
                (decision.Reason is { Length: > 0 } why ? $": {config.Redactor.Redact(why)}" : ""), ErrorKind.PermissionDenied, command).ConfigureAwait(false);

        await ApprovedAsync(run, decision, command, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>Journals, logs, audits and notifies the approval the phases now run on.</summary>
    private static async Task ApprovedAsync(DeploymentRun run, DeploymentApproval decision, string command, CancellationToken ct)
    {
        var config = run.Config;
        await JournalAsync(run, SignOffStatus.Approved, decision, decision.Time).ConfigureAwait(false);
        var comment = decision.Reason is null ? "" : config.Redactor.Redact(decision.Reason);
        run.Log.Write($"signed off by {decision.ApprovedBy}@{decision.Host}{(comment.Length == 0 ? "" : ": " + comment)}");
        AuditLog.For(config).Write(command, "sign-off", Subject(run), "Approved", Details(decision, comment), run.Id);
        var approved = NotificationValues.Of(run, null);
        approved["approver"] = decision.ApprovedBy;
        approved["comment"] = comment;
        await new Notifier(config, run.Sink).NotifyAsync(NotificationEvent.DeploymentApproved, approved, command, run.Id, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Resume-Deployment of a deployment that was waiting for sign-off when its process died: the listed approver's
    /// decision on the earlier request, if one was made while nobody waited (Given; its stale pending entry is cleared).
    /// An approval given after that request's timeout has expired: it is ignored with a warning, and so is anything
    /// decided before the request (an expired decision of an earlier wait); Stale is then the time up to which
    /// decisions are ignored, so only a new one counts.
    /// </summary>
    private static async Task<(DeploymentApproval? Given, DateTimeOffset? Stale)> DecidedWhileStoppedAsync(DeploymentRun run,
        DeploymentSignOff earlier, TimeProvider clock, CancellationToken ct)
    {
        await using var approvals = CanaryApprovals.Open(run.Config);
        var decision = await approvals.FindAsync(run.Id, Gate, ct).ConfigureAwait(false);
        if (decision is null || !Counts(run, decision, new HashSet<string>(StringComparer.OrdinalIgnoreCase))) return (null, null);
        var expires = earlier.Requested + run.Settings.Approval.Timeout;
        if (decision.Time < earlier.Requested)
        {
            run.Sink.WriteVerbose($"sign-off decision of {decision.ApprovedBy} at {DeploymentSignOff.FormatTime(decision.Time)} predates the request; asking again");
            return (null, decision.Time);
        }
        if (!decision.Denied && decision.Time > expires)
        {
            run.Sink.WriteWarning($"Ignored the approval of {decision.ApprovedBy} at {DeploymentSignOff.FormatTime(decision.Time)}: the sign-off " +
                $"requested at {DeploymentSignOff.FormatTime(earlier.Requested)} had expired at {DeploymentSignOff.FormatTime(expires)} " +
                $"(deployment.approval.timeout). Asking again.");
            return (null, decision.Time);
        }
        await approvals.ClearPendingAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
        run.Sink.WriteVerbose($"sign-off {(decision.Denied ? "denied" : "given")} by {decision.ApprovedBy} at " +
            $"{DeploymentSignOff.FormatTime(decision.Time)} while deployment {run.Id} was stopped (now {DeploymentSignOff.FormatTime(clock.GetUtcNow())})");
        return (decision, null);
    }

    /// <summary>Only a listed approver's decision counts; any other is ignored with a warning (once) and the wait goes on.</summary>
    private static bool Counts(DeploymentRun run, DeploymentApproval decision, HashSet<string> ignored)
    {
        if (run.Settings.Approval.IsApprover(decision.ApprovedBy)) return true;
        if (ignored.Add(decision.ApprovedBy))
            run.Sink.WriteWarning($"Ignored the sign-off decision of {decision.ApprovedBy}: not one of deployment.approval.approvers " +
                $"({string.Join(", ", run.Settings.Approval.Approvers)}). Still waiting.");
        return false;
    }

    private static void Progress(DeploymentRun run, TimeSpan left)
    {
        var total = run.Settings.Approval.Timeout;
        var remaining = left < TimeSpan.Zero ? TimeSpan.Zero : left;
        var percent = (int)Math.Clamp(100 * (1 - remaining / total), 0, 100);
        run.Sink.WriteProgress(new ProgressUpdate(ActivityId, Activity(run),
            $"waiting for one of {string.Join(", ", run.Settings.Approval.Approvers)}: Approve-Deployment -Id {run.Id}", percent,
            (int)remaining.TotalSeconds));
    }

    /// <summary>Journals the refusal, finishes the record Failed (nothing was changed), audits, notifies, writes the error.</summary>
    private static async Task<DeploymentRecord> RefuseAsync(DeploymentRun run, SignOffStatus status, DeploymentApproval? decision,
        TimeProvider clock, string why, ErrorKind kind, string command)
    {
        var config = run.Config;
        await JournalAsync(run, status, decision, decision?.Time ?? clock.GetUtcNow()).ConfigureAwait(false);
        why = why.TrimEnd('.') + ".";
        var message = $"Deployment {run.Id} of {run.Version} to {config.Application}/{config.Environment} was not approved: {why} " +
            "Nothing was deployed.";
        run.Log.Write(message);
        var record = await run.Tracker!.FinishAsync(DeploymentOutcome.Failed, message, CancellationToken.None).ConfigureAwait(false);
        var comment = decision?.Reason is null ? "" : config.Redactor.Redact(decision.Reason);
        AuditLog.For(config).Write(command, "sign-off", Subject(run), status.ToString(),
            decision is null ? null : Details(decision, comment), run.Id);
        var values = NotificationValues.Of(run, record);
        values["approver"] = decision?.ApprovedBy;
        values["comment"] = comment;
        values["message"] = why;
        await new Notifier(config, run.Sink).NotifyAsync(NotificationEvent.DeploymentNotApproved, values, command, run.Id,
            CancellationToken.None).ConfigureAwait(false);
        run.Sink.WriteError(new DeployOpsError(ErrorIds.DeploymentNotApproved, kind, message, record));
        run.Sink.WriteRecord(record);
        return record;
    }

    private static async Task JournalAsync(DeploymentRun run, SignOffStatus status, DeploymentApproval? decision, DateTimeOffset time)
    {
        // Not cancellable: the decision must be on the record whatever happens next.
        var none = CancellationToken.None;
        if (decision is not null)
        {
            await run.AnnotateAsync(DeploymentSignOff.ByField, decision.ApprovedBy, none).ConfigureAwait(false);
            await run.AnnotateAsync(DeploymentSignOff.HostField, decision.Host, none).ConfigureAwait(false);
            if (decision.Reason is { Length: > 0 } comment)
                await run.AnnotateAsync(DeploymentSignOff.CommentField, run.Config.Redactor.Redact(comment), none).ConfigureAwait(false);
        }
        await run.AnnotateAsync(DeploymentSignOff.TimeField, DeploymentSignOff.FormatTime(time), none).ConfigureAwait(false);
        await run.AnnotateAsync(DeploymentSignOff.StatusField, status.ToString(), none).ConfigureAwait(false);
    }

    private static Dictionary<string, string> Details(DeploymentApproval decision, string comment) => new()
    {
        ["approvedBy"] = decision.ApprovedBy,
        ["host"] = decision.Host,
        ["at"] = DeploymentSignOff.FormatTime(decision.Time),
        ["comment"] = comment,
    };

    private static string Subject(DeploymentRun run) => $"{run.Config.Application}/{run.Config.Environment}";

    private static string Activity(DeploymentRun run) =>
        $"Sign-off of {run.Version} to {run.Config.Application}/{run.Config.Environment} (deployment {run.Id})";
}
