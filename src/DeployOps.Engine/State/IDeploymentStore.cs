namespace DeployOps.Engine.State;

/// <summary>
/// Where one application/environment keeps its deployment lock, journals and history: files in the state
/// directory (one host) or PostgreSQL tables and advisory locks (shared by several hosts).
/// Open one with <see cref="DeploymentStore.Open"/>; most callers drive it through <see cref="DeploymentTracker"/>.
/// </summary>
internal interface IDeploymentStore : IAsyncDisposable
{
    string Application { get; }
    string Environment { get; }
    /// <summary>The state directory or the PostgreSQL database, safe to show.</summary>
    string Location { get; }

    /// <summary>
    /// Takes the one-deployment-at-a-time lock for <paramref name="deploymentId"/>, or throws DeploymentLocked at
    /// once naming the holder (and saying when it is stale). Hold the handle for the deployment's whole life.
    /// </summary>
    Task<IDeploymentLock> AcquireLockAsync(string deploymentId, CancellationToken ct);

    /// <summary>The current holder, with staleness, or null when nobody holds the lock.</summary>
    Task<LockInfo?> GetLockAsync(CancellationToken ct);

    /// <summary>
    /// Breaks the lock so the next deployment can take it (the holder, if still running, loses it). Only a stale
    /// lock unless <paramref name="force"/>; throws LockNotHeld when there is none. Returns the broken holder.
    /// </summary>
    Task<LockInfo> BreakLockAsync(bool force, CancellationToken ct);

    /// <summary>Appends one event durably (fsync / committed) before returning; returns it with its sequence.</summary>
    Task<JournalEvent> AppendAsync(string deploymentId, JournalEvent entry, CancellationToken ct);

    /// <summary>The journal in order; a torn last line (crash mid-write) is ignored. Throws DeploymentNotFound.</summary>
    Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(string deploymentId, CancellationToken ct);

    /// <summary>The deployment as its journal tells it; Running becomes Interrupted when its holder is gone. Null when unknown.</summary>
    Task<DeploymentRecord?> GetAsync(string deploymentId, CancellationToken ct);

    /// <summary>Deployments of this application/environment, newest first; manual traffic switches only with
    /// <see cref="HistoryQuery.IncludeTrafficSwitches"/>.</summary>
    Task<IReadOnlyList<DeploymentRecord>> ListAsync(HistoryQuery query, CancellationToken ct);

    /// <summary>What <see cref="RemoveHistoryAsync"/> would delete (files or rows), for -WhatIf; empty when unknown.</summary>
    Task<IReadOnlyList<string>> DescribeHistoryAsync(string deploymentId, CancellationToken ct);

    /// <summary>
    /// Deletes the deployment's journal and record at once (callers refuse a running one first); the deployment log
    /// is kept. Throws DeploymentNotFound when this application/environment has no such deployment.
    /// </summary>
    Task RemoveHistoryAsync(string deploymentId, CancellationToken ct);
}

/// <summary>The lock handle: dispose (or release) it when the deployment ends, whatever its outcome.</summary>
internal interface IDeploymentLock : IAsyncDisposable
{
    LockInfo Holder { get; }
    /// <summary>Throws LockNotHeld when the lock was broken (Unlock-Deployment -Force) or its session was lost.</summary>
    Task EnsureHeldAsync(CancellationToken ct);
    Task ReleaseAsync();
}

/// <summary>Filters for <see cref="IDeploymentStore.ListAsync"/>.</summary>
internal sealed class HistoryQuery
{
    /// <summary>At most this many, newest first (0 = all).</summary>
    public int Last { get; init; }
    /// <summary>Only these outcomes (empty = all).</summary>
    public IReadOnlyCollection<DeploymentOutcome> Outcomes { get; init; } = Array.Empty<DeploymentOutcome>();
    /// <summary>Only deployments of this change ticket (case-insensitive; null = all). Applied by Get-DeploymentHistory.</summary>
    public string? ChangeTicket { get; init; }
    /// <summary>
    /// Also list Switch-DeploymentTraffic's entries (<see cref="DeploymentKind.TrafficSwitch"/>). Off by default: every
    /// reader that looks for a deployment to roll back, resume or take the previous version from must not see them;
    /// only Get-DeploymentHistory shows them.
    /// </summary>
    public bool IncludeTrafficSwitches { get; init; }

    /// <summary>Whether <paramref name="record"/> passes the kind filter (the stores apply it with the outcome filter).</summary>
    public bool Admits(DeploymentRecord record) => IncludeTrafficSwitches || record.Kind != DeploymentKind.TrafficSwitch;
}
