using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>
/// What a crash leaves behind, read from the journal: which deployment changed the application (the one a rollback
/// undoes), whether an interrupted one still needs recovering (it blocks new deployments), and whether the run that
/// was interrupted was the deployment or its rollback (Resume-Deployment continues only a deployment).
/// </summary>
internal static class Recovery
{
    /// <summary>Rollback phases sit in the undone deployment's journal under this prefix.</summary>
    public const string RollbackPhasePrefix = "rollback:";
    private const string PreChecks = "pre-checks";
    private const string BeforeDeploy = "before-deploy";
    private const int Horizon = 50;

    /// <summary>
    /// False for an attempt that stopped in its pre-checks, or failed in before-deploy (which leaves maintenance
    /// again and deploys nothing): undoing it would undo nothing and skip the deployment that did change things.
    /// A baseline counts as a change: it is what runs now, so the search for a rollback target stops there (and the
    /// rollback refuses it) instead of undoing an older deployment that the baseline superseded.
    /// </summary>
    public static bool ChangedSomething(DeploymentRecord record) => record.IsBaseline || record.Phases.Any(p =>
        p.Name != PreChecks && !(p.Name == BeforeDeploy && p.Status == PhaseStatus.Failed && record.Outcome == DeploymentOutcome.Failed));

    /// <summary>The run that was interrupted was a rollback of this deployment (its journal has rollback phases).</summary>
    public static bool IsInterruptedRollback(DeploymentRecord record) =>
        record.Outcome == DeploymentOutcome.Interrupted && record.Phases.Any(p => p.Name.StartsWith(RollbackPhasePrefix, StringComparison.Ordinal));

    /// <summary>The newest deployment that changed something, and the newer ones skipped because they changed nothing (newest first).</summary>
    public static async Task<(DeploymentRecord? Target, IReadOnlyList<DeploymentRecord> Skipped)> NewestChangedAsync(IDeploymentStore store,
        CancellationToken ct)
    {
        var skipped = new List<DeploymentRecord>();
        foreach (var record in await store.ListAsync(new HistoryQuery { Last = Horizon }, ct).ConfigureAwait(false))
        {
            if (ChangedSomething(record)) return (record, skipped);
            skipped.Add(record);
        }
        return (null, skipped);
    }

    /// <summary>Why a record was passed over as a rollback target.</summary>
    public static string WhyUnchanged(DeploymentRecord record) =>
        $"{record.Id} ({record.Version}, {record.Outcome}) changed nothing: it stopped in {record.Phases.LastOrDefault()?.Name ?? "no phase"}";

    /// <summary>
    /// Before a new deployment: refuses with InterruptedDeploymentPending while the newest deployment that changed
    /// something is Interrupted — its maintenance window, half-deployed targets and lock-free state belong to its
    /// recovery. -Force goes ahead, warned and audited as Forced; under -WhatIf the refusal is a warning.
    /// </summary>
    public static async Task EnsureNothingInterruptedAsync(ConfigModel config, IDeploymentStore store, bool force, IOutputSink sink,
        string command, CancellationToken ct)
    {
        var (newest, _) = await NewestChangedAsync(store, ct).ConfigureAwait(false);
        if (newest is not { Outcome: DeploymentOutcome.Interrupted }) return;
        var message = PendingMessage(newest);
        if (force)
        {
            sink.WriteWarning(config.Redactor.Redact($"-Force: deploying although {message}"));
            if (!sink.IsDryRun)
                AuditLog.For(config).Write(command, "deploy past an interrupted deployment", $"{config.Application}/{config.Environment}", "Forced",
                    new Dictionary<string, string> { ["interrupted"] = newest.Id, ["version"] = newest.Version }, newest.Id);
            return;
        }
        if (sink.IsDryRun)
        {
            sink.WriteWarning(config.Redactor.Redact("This deployment would be refused: " + message));
            return;
        }
        throw new DeployOpsException(ErrorIds.InterruptedDeploymentPending, ErrorKind.ResourceUnavailable, config.Redactor.Redact(message), newest.Id);
    }

    private static string PendingMessage(DeploymentRecord record)
    {
        var where = record.Phases.LastOrDefault(p => p.Status != PhaseStatus.Succeeded)?.Name ?? record.LastCompletedPhase ?? "its start";
        var recover = IsInterruptedRollback(record)
            ? $"finish its rollback with Invoke-Rollback -DeploymentId {record.Id}"
            : $"recover it with Resume-Deployment -Id {record.Id} (finish deploying {record.Version}) or Invoke-Rollback -DeploymentId {record.Id} " +
              $"(back to {record.PreviousVersion ?? "the previous version"})";
        return $"deployment {record.Id} ({record.Version}) was interrupted in {where} and is not recovered: {recover}, " +
               "or deploy anyway with -Force (audited)";
    }

    /// <summary>Resume-Deployment on a deployment whose rollback was interrupted: the command that finishes it.</summary>
    public static DeployOpsException RollbackInterrupted(DeploymentRecord record)
    {
        var last = record.Phases.LastOrDefault(p => p.Name.StartsWith(RollbackPhasePrefix, StringComparison.Ordinal))?.Name;
        return new DeployOpsException(ErrorIds.RollbackInterrupted, ErrorKind.InvalidOperation,
            $"Deployment {record.Id} ({record.Version}) was being rolled back when it was interrupted (in {last}); resuming it would deploy " +
            $"{record.Version} again. Finish the rollback with Invoke-Rollback -DeploymentId {record.Id}", record.Id);
    }
}
