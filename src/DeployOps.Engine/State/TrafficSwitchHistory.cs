using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>
/// A manual traffic switch (Switch-DeploymentTraffic) as a history entry: journaled like a deployment, under the
/// deployment lock, with strategy <see cref="DeploymentRecord.TrafficSwitchStrategy"/>, the from/to slots, -Reason and
/// -ChangeTicket, and its outcome. Get-DeploymentHistory lists it; every other reader of the history leaves it out
/// (<see cref="HistoryQuery.IncludeTrafficSwitches"/>), so it is never rolled back, resumed or taken for a version.
/// </summary>
internal static class TrafficSwitchHistory
{
    /// <summary>Every switch's id starts with this (the PostgreSQL store filters on it, so LIMIT counts deployments only).</summary>
    public const string IdPrefix = "switch-";

    /// <summary>
    /// Takes the lock (DeploymentLocked while a deployment runs) and journals the switch's start and details.
    /// Finish the tracker with the switch's outcome; disposed unfinished, the entry ends Interrupted.
    /// </summary>
    public static async Task<DeploymentTracker> StartAsync(IDeploymentStore store, string? from, string to,
        IReadOnlyDictionary<string, string> change, CancellationToken ct)
    {
        var tracker = await DeploymentTracker.StartAsync(store, new DeploymentStart
        {
            Id = IdPrefix + DeploymentIds.New(),
            Version = "",
            Strategy = DeploymentRecord.TrafficSwitchStrategy,
            EndLeftovers = false,
        }, ct).ConfigureAwait(false);
        try
        {
            if (from is not null) await tracker.AnnotateAsync(DeploymentField.FromSlot, from, ct).ConfigureAwait(false);
            await tracker.AnnotateAsync(DeploymentField.ToSlot, to, ct).ConfigureAwait(false);
            foreach (var (field, value) in change) await tracker.AnnotateAsync(field, value, ct).ConfigureAwait(false);
            return tracker;
        }
        catch
        {
            await tracker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The refusal of Invoke-Rollback / Resume-Deployment when named a switch's id.</summary>
    public static DeployOpsException NotADeployment(DeploymentRecord record, string errorId, string command) =>
        new(errorId, ErrorKind.InvalidOperation,
            $"{command}: {record.Id} of {record.Application}/{record.Environment} is a manual traffic switch " +
            $"({record.FromSlot ?? "(unknown)"} → {record.ToSlot}), not a deployment; switch back with " +
            $"Switch-DeploymentTraffic -To {record.FromSlot ?? "<slot>"}.", record.Id);
}
