using System.Globalization;
using DeployOps.Engine.Hosting;
using K = DeployOps.Engine.State.JournalProjection.Keys;

namespace DeployOps.Engine.State;

/// <summary>What a new deployment records about itself when it starts.</summary>
internal sealed class DeploymentStart
{
    public required string Version { get; init; }
    public required string Strategy { get; init; }
    public string? PreviousVersion { get; init; }
    /// <summary>Where the deployment's step output goes (shown in the record).</summary>
    public string? LogPath { get; init; }
    /// <summary>Leave null for a fresh id (<see cref="DeploymentIds.New"/>).</summary>
    public string? Id { get; init; }
    /// <summary>Defaults to <see cref="OperatorIdentity.Current"/>.</summary>
    public OperatorIdentity? Operator { get; init; }
    /// <summary>End what crashed deployments left running before the first step (a deployment's steps must not run
    /// beside a dead one's). Off for a traffic switch, which runs no steps and must not stop anything.</summary>
    public bool EndLeftovers { get; init; } = true;
}

/// <summary>
/// One deployment's hold on the lock plus its journal: the deployment engine calls it at every phase and step
/// boundary, and each call returns only after the event is durable. Dispose it in a finally: a tracker disposed
/// without <see cref="FinishAsync"/> journals the deployment as Interrupted (resumable) and releases the lock.
/// </summary>
internal sealed partial class DeploymentTracker : IAsyncDisposable
{
    private readonly IDeploymentStore _store;
    private readonly IDeploymentLock _lock;
    private readonly List<JournalEvent> _events;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _finished;

    private DeploymentTracker(IDeploymentStore store, IDeploymentLock held, string id, List<JournalEvent> events)
    {
        _store = store;
        _lock = held;
        Id = id;
        _events = events;
    }

    public string Id { get; }
    public LockInfo Lock => _lock.Holder;
    /// <summary>The deployment as journaled so far.</summary>
    public DeploymentRecord Current => JournalProjection.Build(Id, Snapshot(), holderAlive: !_finished)!;
    public IReadOnlyList<JournalEvent> Events => Snapshot();

    /// <summary>Takes the lock (DeploymentLocked when another deployment runs) and journals the start.</summary>
    public static async Task<DeploymentTracker> StartAsync(IDeploymentStore store, DeploymentStart start, CancellationToken ct)
    {
        var id = start.Id ?? DeploymentIds.New();
        var who = start.Operator ?? OperatorIdentity.Current;
        var held = await store.AcquireLockAsync(id, ct).ConfigureAwait(false);
        try
        {
            var data = new Dictionary<string, string>
            {
                [K.Application] = store.Application,
                [K.Environment] = store.Environment,
                [K.Version] = start.Version,
                [K.Strategy] = start.Strategy,
                [K.User] = who.User,
                [K.Host] = who.Host,
                [K.ProcessId] = who.ProcessId.ToString(CultureInfo.InvariantCulture),
            };
            if (start.PreviousVersion is not null) data[K.PreviousVersion] = start.PreviousVersion;
            if (start.LogPath is not null) data[K.LogPath] = start.LogPath;
            var first = await store.AppendAsync(id, new JournalEvent(JournalEventKind.Started, data: data), ct).ConfigureAwait(false);
            var tracker = new DeploymentTracker(store, held, id, new List<JournalEvent> { first });
            return start.EndLeftovers ? await WithoutLeftoversAsync(tracker, ct).ConfigureAwait(false) : tracker;
        }
        catch
        {
            await held.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes over an Interrupted deployment: locks it again and journals the resumption.
    /// <see cref="IsPhaseCompleted"/> and <see cref="IsStepCompleted"/> then say what to skip.</summary>
    /// <param name="resumable">Which records may be taken over (default: Interrupted ones); checked again under the lock.</param>
    public static async Task<DeploymentTracker> ResumeAsync(IDeploymentStore store, string deploymentId, CancellationToken ct,
        Func<DeploymentRecord, bool>? resumable = null)
    {
        resumable ??= r => r.Outcome == DeploymentOutcome.Interrupted;
        var record = await store.GetAsync(deploymentId, ct).ConfigureAwait(false)
            ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No deployment {deploymentId} of {store.Application}/{store.Environment} in {store.Location}.", deploymentId);
        if (!resumable(record))
            throw NotResumable(record);
        var held = await store.AcquireLockAsync(deploymentId, ct).ConfigureAwait(false);
        try
        {
            // Re-read under the lock: another shell may have resumed and finished it meanwhile.
            var events = (await store.ReadJournalAsync(deploymentId, ct).ConfigureAwait(false)).ToList();
            var now = JournalProjection.Build(deploymentId, events, holderAlive: false)!;
            if (!resumable(now)) throw NotResumable(now);
            return await TakeOverAsync(store, held, deploymentId, events, ct).ConfigureAwait(false);
        }
        catch
        {
            await held.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Takes over a finished or interrupted deployment to undo it (Invoke-Rollback): locks it again and journals the
    /// takeover, so the rollback's phases land in the same journal and <see cref="FinishAsync"/> sets its final
    /// outcome (RolledBack). A deployment already rolled back is refused with DeploymentNotResumable.
    /// </summary>
    public static async Task<DeploymentTracker> ReopenAsync(IDeploymentStore store, string deploymentId, CancellationToken ct)
    {
        var held = await store.AcquireLockAsync(deploymentId, ct).ConfigureAwait(false);
        try
        {
            var events = (await store.ReadJournalAsync(deploymentId, ct).ConfigureAwait(false)).ToList();
            var now = JournalProjection.Build(deploymentId, events, holderAlive: false)
                ?? throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                    $"No deployment {deploymentId} of {store.Application}/{store.Environment} in {store.Location}.", deploymentId);
            if (now.Outcome == DeploymentOutcome.RolledBack)
                throw new DeployOpsException(ErrorIds.DeploymentNotResumable, ErrorKind.InvalidOperation,
                    $"Deployment {deploymentId} of {now.Application}/{now.Environment} was already rolled back.", deploymentId);
            return await TakeOverAsync(store, held, deploymentId, events, ct).ConfigureAwait(false);
        }
        catch
        {
            await held.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Journals who took the deployment over (Resumed) and tracks it under the lock just taken.</summary>
    private static async Task<DeploymentTracker> TakeOverAsync(IDeploymentStore store, IDeploymentLock held, string deploymentId,
        List<JournalEvent> events, CancellationToken ct)
    {
        var who = OperatorIdentity.Current;
        var data = new Dictionary<string, string>
        {
            [K.User] = who.User,
            [K.Host] = who.Host,
            [K.ProcessId] = who.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        events.Add(await store.AppendAsync(deploymentId, new JournalEvent(JournalEventKind.Resumed, data: data), ct).ConfigureAwait(false));
        return await WithoutLeftoversAsync(new DeploymentTracker(store, held, deploymentId, events), ct).ConfigureAwait(false);
    }

    /// <summary>A deployment that cannot end a crashed one's processes fails before its first step.</summary>
    private static async Task<DeploymentTracker> WithoutLeftoversAsync(DeploymentTracker tracker, CancellationToken ct)
    {
        try
        {
            await tracker.EndLeftoversAsync(ct).ConfigureAwait(false);
            return tracker;
        }
        catch (Exception ex) when (ex is DeployOpsException or OperationCanceledException)
        {
            try { await tracker.FinishAsync(DeploymentOutcome.Failed, ex.Message, CancellationToken.None).ConfigureAwait(false); }
            catch (DeployOpsException) { } // the journal is unwritable: the error below says more
            await tracker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool IsPhaseCompleted(string phase) => Current.Phases.Any(p => p.Name == phase && p.Status is PhaseStatus.Succeeded or PhaseStatus.Skipped);

    public bool IsStepCompleted(string phase, string step) =>
        Snapshot().Any(e => e.Kind == JournalEventKind.StepCompleted && e.Phase == phase && e.Step == step);

    /// <summary>Journals the start of a phase after checking the lock is still ours (LockNotHeld otherwise).</summary>
    public async Task PhaseStartedAsync(string phase, CancellationToken ct)
    {
        await _lock.EnsureHeldAsync(ct).ConfigureAwait(false);
        await AppendAsync(new JournalEvent(JournalEventKind.PhaseStarted, phase), ct).ConfigureAwait(false);
    }

    public Task PhaseCompletedAsync(string phase, string? detail, CancellationToken ct) =>
        AppendAsync(new JournalEvent(JournalEventKind.PhaseCompleted, phase, detail: detail), ct);

    public Task PhaseFailedAsync(string phase, string? detail, CancellationToken ct) =>
        AppendAsync(new JournalEvent(JournalEventKind.PhaseFailed, phase, detail: detail), ct);

    public Task PhaseSkippedAsync(string phase, string? detail, CancellationToken ct) =>
        AppendAsync(new JournalEvent(JournalEventKind.PhaseSkipped, phase, detail: detail), ct);

    public Task StepCompletedAsync(string phase, string step, string? detail, CancellationToken ct) =>
        AppendAsync(new JournalEvent(JournalEventKind.StepCompleted, phase, step, detail), ct);

    /// <summary>Records a field (<see cref="DeploymentField"/>: backup id, migration heads, active slot…).</summary>
    public Task AnnotateAsync(string field, string value, CancellationToken ct) =>
        AppendAsync(new JournalEvent(JournalEventKind.Annotated, data: new Dictionary<string, string> { [field] = value }), ct);

    /// <summary>Journals the end, releases the lock and returns the final record.</summary>
    public async Task<DeploymentRecord> FinishAsync(DeploymentOutcome outcome, string? error, CancellationToken ct)
    {
        if (outcome == DeploymentOutcome.Running)
            throw new ArgumentException("A finished deployment cannot be Running.", nameof(outcome));
        var data = new Dictionary<string, string> { [K.Outcome] = outcome.ToString() };
        if (error is not null) data[K.Error] = error;
        await AppendAsync(new JournalEvent(JournalEventKind.Ended, data: data), ct).ConfigureAwait(false);
        _finished = true;
        await _lock.ReleaseAsync().ConfigureAwait(false);
        return Current;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            try
            {
                await FinishAsync(DeploymentOutcome.Interrupted, "stopped before the deployment finished", CancellationToken.None)
                    .ConfigureAwait(false);
            }
            catch (DeployOpsException)
            {
                // The journal is unwritable; the next command still sees Interrupted once the lock is gone.
            }
        }
        await _lock.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task AppendAsync(JournalEvent entry, CancellationToken ct)
    {
        if (_finished) throw new InvalidOperationException($"Deployment {Id} is already finished.");
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Journal writes are not cancelled half-way: Ctrl+C is honoured before the next action instead.
            var written = await _store.AppendAsync(Id, entry, CancellationToken.None).ConfigureAwait(false);
            lock (_events) _events.Add(written);
        }
        finally
        {
            _gate.Release();
        }
    }

    private List<JournalEvent> Snapshot()
    {
        lock (_events) return _events.ToList();
    }

    private static DeployOpsException NotResumable(DeploymentRecord record) =>
        new(ErrorIds.DeploymentNotResumable, ErrorKind.InvalidOperation,
            $"Deployment {record.Id} of {record.Application}/{record.Environment} is {record.Outcome}, not Interrupted: only an interrupted deployment, or a rolling rollout stopped by its failure budget, can be resumed.",
            record.Id);
}

/// <summary>Deployment ids sort by start time: 20250612-101500-3fa2c1.</summary>
internal static class DeploymentIds
{
    public static string New() => New(DateTimeOffset.UtcNow);

    public static string New(DateTimeOffset time) =>
        $"{time.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexString(Guid.NewGuid().ToByteArray(), 0, 3).ToLowerInvariant()}";
}
