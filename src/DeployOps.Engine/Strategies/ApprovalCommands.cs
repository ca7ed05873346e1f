using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Approve-Deployment and Deny-Deployment: decide what a running deployment waits on — its sign-off (only a user in
/// deployment.approval.approvers may) or an inconclusive canary gate — in the approval store, so it works from any
/// host sharing a <c>state.store: postgres</c>. The waiting deployment picks the decision up at its next poll.
/// </summary>
internal static class ApprovalCommands
{
    /// <summary>Approves; the deployment proceeds.</summary>
    public static Task<DeploymentApproval?> ApproveAsync(ConfigModel config, string? id, string? comment, IOutputSink sink,
        CancellationToken cancellationToken) => DecideAsync(config, id, comment, denied: false, sink, cancellationToken);

    /// <summary>Denies; the deployment stops with DeploymentNotApproved (a canary gate: CanaryGateFailed).</summary>
    public static Task<DeploymentApproval?> DenyAsync(ConfigModel config, string? id, string? comment, IOutputSink sink,
        CancellationToken cancellationToken) => DecideAsync(config, id, comment, denied: true, sink, cancellationToken);

    private static async Task<DeploymentApproval?> DecideAsync(ConfigModel config, string? id, string? comment, bool denied,
        IOutputSink sink, CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        var command = denied ? "Deny-Deployment" : "Approve-Deployment";
        await using var store = DeploymentStore.Open(config);
        id ??= (await store.GetLockAsync(cancellationToken).ConfigureAwait(false))?.DeploymentId
            ?? throw new DeployOpsException(ErrorIds.ApprovalNotPending, ErrorKind.ObjectNotFound,
                $"No deployment of {config.Application}/{config.Environment} is running", null);
        await using var approvals = CanaryApprovals.Open(config);
        var pending = await approvals.PendingAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new DeployOpsException(
            ErrorIds.ApprovalNotPending, ErrorKind.InvalidOperation, $"Deployment {id} is not waiting for an approval ({approvals.Location})", id);
        var signOff = pending.Gate == SignOffRequest.Gate;
        var verb = denied ? "Deny" : "Approve";
        if (signOff) EnsureApprover(config, id, command);
        var action = signOff
            ? $"{verb} the sign-off of deployment {id}: {pending.Reason}"
            : $"{verb} inconclusive canary gate {pending.Gate} ({pending.Reason})";
        var audit = AuditLog.For(config);
        if (!sink.ShouldProcess(id, action))
        {
            if (!sink.IsDryRun) audit.Write(command, action, id, "Skipped", null, id);
            return null;
        }
        // A gate's approval keeps why the gate was inconclusive when the operator gives no comment; a sign-off keeps
        // only the approver's own words.
        var kept = comment is { Length: > 0 } ? config.Redactor.Redact(comment) : signOff ? null : pending.Reason;
        var decision = await approvals.DecideAsync(id, pending.Gate, kept, denied, cancellationToken).ConfigureAwait(false);
        audit.Write(command, action, id, "Succeeded", new Dictionary<string, string> { ["comment"] = kept ?? "" }, id);
        sink.WriteRecord(decision);
        return decision;
    }

    private static void EnsureApprover(ConfigModel config, string id, string command)
    {
        var me = OperatorIdentity.Current;
        var settings = config.Deployment.Approval;
        if (settings.IsApprover(me.User)) return;
        throw new DeployOpsException(ErrorIds.ApproverNotListed, ErrorKind.PermissionDenied,
            $"{command}: {me.User} may not sign off deployment {id} of {config.Application}/{config.Environment}: " +
            (settings.Approvers.Count == 0
                ? $"{config.FilePath} lists no deployment.approval.approvers"
                : $"not one of deployment.approval.approvers ({string.Join(", ", settings.Approvers)}) in {config.FilePath}"), id);
    }
}
