using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;

namespace DeployOps.Engine.Strategies;

/// <summary>
/// Resuming a rolling rollout that its failure budget stopped (a host dropped off the network, an instance that
/// failed): once the cause is fixed, Resume-Deployment starts a new <b>round</b> in the same journal and under the
/// same lock — the failed instances are redeployed first, then the instances never reached, batch by batch, with the
/// same failure budget. A round's phases are prefixed <c>resume&lt;n&gt;:</c>, so each round's phases and steps are
/// journaled apart from the earlier attempts (an interrupted round resumes inside itself like any deployment).
/// </summary>
internal static class RollingResume
{
    /// <summary>Set to the phase the budget stopped in; cleared when a round starts or a rollback undoes the rollout.</summary>
    public const string BudgetStopField = "budgetStop";
    /// <summary>The round being run (1, 2, …): <see cref="RollingPlan"/> then plans only that round.</summary>
    public const string RoundField = "resumeRound";
    /// <summary>The instances that had failed when the round started: redeployed first.</summary>
    public const string RetryField = "resumeRetry";
    /// <summary>The instances neither updated nor failed when the round started: deployed after the retried ones.</summary>
    public const string RemainingField = "resumeRemaining";

    /// <summary>A Failed (or, killed while failing, Interrupted) rolling rollout stopped by its budget and not being undone.</summary>
    public static bool IsBudgetStop(DeploymentRecord record) =>
        string.Equals(record.Strategy, nameof(DeploymentStrategy.Rolling), StringComparison.OrdinalIgnoreCase)
        && record.Outcome is DeploymentOutcome.Failed or DeploymentOutcome.Interrupted
        && record.Fields.TryGetValue(BudgetStopField, out var phase) && phase.Length > 0
        && !record.Phases.Any(p => p.Name.StartsWith(Recovery.RollbackPhasePrefix, StringComparison.Ordinal));

    /// <summary>What Resume-Deployment may take over: an interrupted deployment, or a rollout stopped by its budget.</summary>
    public static bool IsResumable(DeploymentRecord record) => record.Outcome == DeploymentOutcome.Interrupted || IsBudgetStop(record);

    /// <summary>The -WhatIf / ShouldProcess text of a round: which instances it redeploys first.</summary>
    public static string Describe(DeploymentRecord record) =>
        $"Resume rolling rollout {record.Id} ({record.Version}) stopped by its failure budget in {record.Fields[BudgetStopField]}: " +
        $"redeploy {Join(record.Fields.GetValueOrDefault(RollingPlan.FailedInstancesField))} first, then the instances not yet updated";

    /// <summary>
    /// Journals the next round (its number, the instances to retry and those remaining) before the plan is built, so
    /// an interrupted round rebuilds the same plan. Names the configuration no longer has are refused: the round would
    /// silently skip them.
    /// </summary>
    public static async Task BeginRoundAsync(DeploymentRun run, CancellationToken ct)
    {
        var instances = run.Settings.Instances.Select(i => i.Name).ToList();
        var failed = Names(run.Fields, RollingPlan.FailedInstancesField);
        var updated = Names(run.Fields, RollingPlan.UpdatedInstancesField);
        if (failed.FirstOrDefault(f => !instances.Contains(f)) is { } unknown)
            throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
                $"deployment {run.Id} failed on instance {unknown}, which is no longer in deployment.instances of {run.Config.FilePath}: " +
                "resuming would skip it; roll back (Invoke-Rollback) or deploy again instead", run.Config.FilePath);
        var round = int.TryParse(run.Fields.GetValueOrDefault(RoundField), out var last) ? last + 1 : 1;
        await run.AnnotateAsync(RoundField, round.ToString(System.Globalization.CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
        await run.AnnotateAsync(RetryField, string.Join(",", instances.Where(failed.Contains)), ct).ConfigureAwait(false);
        await run.AnnotateAsync(RemainingField, string.Join(",", instances.Where(i => !failed.Contains(i) && !updated.Contains(i))), ct).ConfigureAwait(false);
        await run.AnnotateAsync(BudgetStopField, "", ct).ConfigureAwait(false);
        run.Log.Write($"round {round}: redeploying {Join(run.Fields[RetryField])}, then {Join(run.Fields[RemainingField])}");
    }

    private static HashSet<string> Names(IReadOnlyDictionary<string, string> fields, string field) =>
        fields.TryGetValue(field, out var f) ? f.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) : new(StringComparer.Ordinal);

    private static string Join(string? names) => string.IsNullOrEmpty(names) ? "(none)" : names.Replace(",", ", ", StringComparison.Ordinal);
}
