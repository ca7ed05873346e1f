using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;

namespace DeployOps.Completion;

/// <summary>Slot names (deployment.slots) for Switch-DeploymentTraffic -To.</summary>
public sealed class SlotNameCompleter : ConfigCompleter
{
    internal override IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName) =>
        config.Deployment.Slots.Select(s => (s.Name, (string?)s.ToString()));
}

/// <summary>Pre-deployment check names (checks[].name) for Test-PreDeployment -Name.</summary>
public sealed class CheckNameCompleter : ConfigCompleter
{
    internal override IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName) =>
        config.Checks.Select(c => (c.Name, (string?)$"{c.Name} ({c.Kind}, {c.Category})"));
}

/// <summary>Check categories (checks[].category) for Test-PreDeployment -Category.</summary>
public sealed class CheckCategoryCompleter : ConfigCompleter
{
    internal override IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName) =>
        config.Checks.Select(c => c.Category).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)
            .Select(c => (c, (string?)null));
}

/// <summary>Deployment ids from the state store, newest first (Get-Deployment -Id, Invoke-Rollback -DeploymentId …).</summary>
public sealed class DeploymentIdCompleter : ConfigCompleter
{
    internal override IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName)
    {
        var records = Within<DeploymentRecord>(async ct =>
        {
            await using var store = DeploymentStore.Open(config);
            return await store.ListAsync(new HistoryQuery(), ct).ConfigureAwait(false);
        });
        IEnumerable<DeploymentRecord> offered = records;
        // Resume-Deployment only continues interrupted deployments.
        if (string.Equals(commandName, "Resume-Deployment", StringComparison.OrdinalIgnoreCase))
            offered = records.Where(r => r.Outcome == DeploymentOutcome.Interrupted);
        return offered.OrderByDescending(r => r.Start).Select(r => (r.Id, (string?)r.ToString()));
    }
}

/// <summary>Backup ids from the backup directory, newest first (Get-/Test-DeploymentBackup -Id, Restore-DeploymentDatabase -Id).</summary>
public sealed class BackupIdCompleter : ConfigCompleter
{
    internal override IEnumerable<(string Text, string? ToolTip)> Candidates(ConfigModel config, string commandName, string parameterName) =>
        Within<DeploymentBackup>(ct => BackupOperations.ListAsync(config, ct))
            .OrderByDescending(b => b.Created)
            .Select(b => (b.Id, (string?)$"{b.Id} ({b.Database}, {b.Created:yyyy-MM-dd HH:mm}, {b.Reason})"));
}
