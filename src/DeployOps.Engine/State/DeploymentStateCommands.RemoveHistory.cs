using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>Options of Remove-DeploymentHistory.</summary>
internal sealed class RemoveHistoryOptions
{
    /// <summary>The deployment whose history entry goes.</summary>
    public required string Id { get; init; }
    /// <summary>Remove it even when it is the live deployment (the newest successful one).</summary>
    public bool Force { get; init; }
}

internal static partial class DeploymentStateCommands
{
    /// <summary>
    /// Removes one deployment from the history (its journal and record; the deployment log stays), after
    /// ShouldProcess. Never a running deployment; the live one only with Force. Every attempt is audited.
    /// </summary>
    public static async Task<DeploymentRecord?> RemoveHistoryAsync(ConfigModel config, RemoveHistoryOptions options,
        IOutputSink sink, CancellationToken ct)
    {
        sink = ConfigBoundSink.For(sink, config);
        const string Command = "Remove-DeploymentHistory", Action = "remove history";
        var audit = AuditLog.For(config);
        var id = options.Id;
        await using var store = DeploymentStore.Open(config);
        var details = new Dictionary<string, string> { ["store"] = store.Location, ["force"] = options.Force ? "true" : "false" };
        var record = await store.GetAsync(id, ct).ConfigureAwait(false);
        var target = $"deployment {config.Redactor.Redact(id)} of {config.Application}/{config.Environment}";
        if (record is null)
        {
            if (!sink.IsDryRun) audit.Write(Command, Action, target, ErrorIds.DeploymentNotFound, details, null);
            throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No deployment '{config.Redactor.Redact(id)}' of {config.Application}/{config.Environment} in {store.Location}; " +
                "Get-DeploymentHistory lists the ids.", id);
        }
        details["version"] = record.Version;
        details["outcome"] = record.Outcome.ToString();
        var refusal = await RefusalAsync(store, record, options, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            audit.Write(Command, Action, target, "Refused", new Dictionary<string, string>(details) { ["reason"] = refusal.ErrorId }, id);
            throw refusal;
        }
        var items = await store.DescribeHistoryAsync(id, ct).ConfigureAwait(false);
        var what = $"{target} (version {record.Version}, {record.Outcome}, started {record.Start:u}): {string.Join("; ", items)}";
        if (!sink.ShouldProcess(what, "Remove from the deployment history"))
        {
            if (!sink.IsDryRun) audit.Write(Command, Action, target, "Skipped", details, id);
            return null;
        }
        try
        {
            await store.RemoveHistoryAsync(id, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex)
        {
            audit.Write(Command, Action, target, "Failed", new Dictionary<string, string>(details) { ["error"] = ex.Message }, id);
            throw;
        }
        audit.Write(Command, Action, target, "Succeeded", details, id);
        sink.WriteRecord(record);
        return record;
    }

    /// <summary>Why this entry must stay: its deployment still runs (holds the lock), or it is live and not forced.</summary>
    private static async Task<DeployOpsException?> RefusalAsync(IDeploymentStore store, DeploymentRecord record,
        RemoveHistoryOptions options, CancellationToken ct)
    {
        var held = await store.GetLockAsync(ct).ConfigureAwait(false);
        if (record.Outcome == DeploymentOutcome.Running || held?.DeploymentId == record.Id)
            return new DeployOpsException(ErrorIds.DeploymentInProgress, ErrorKind.ResourceBusy,
                $"Deployment {record.Id} of {record.Application}/{record.Environment} holds the deployment lock" +
                (held is { IsStale: true } ? $" (stale: {held.StaleReason}); break it with Unlock-Deployment first."
                    : "; it is in progress. Remove its history once it has ended."), record);
        var live = (await store.ListAsync(new HistoryQuery { Last = 1, Outcomes = new[] { DeploymentOutcome.Succeeded } }, ct)
            .ConfigureAwait(false)).FirstOrDefault();
        if (live?.Id == record.Id && !options.Force)
            return new DeployOpsException(ErrorIds.DeploymentIsLive, ErrorKind.InvalidOperation,
                $"Deployment {record.Id} put the live version {record.Version} of {record.Application}/{record.Environment} in place; " +
                "without it, Invoke-Rollback and image retention no longer know what runs. Use -Force to remove it anyway.", record);
        return null;
    }
}
