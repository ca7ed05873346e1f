using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Health;

/// <summary>When a watch stops before its duration is over.</summary>
internal enum WatchUntil
{
    /// <summary>Watch for the whole duration (stopping early only on Rollback, see <see cref="WatchOptions.StopOnRollback"/>).</summary>
    Duration,
    /// <summary>Stop at the first Healthy sample.</summary>
    Healthy,
    /// <summary>Stop at the first Rollback or Investigate decision.</summary>
    Decision,
    /// <summary>Stop at the first Rollback verdict, even when an explicit duration was given; Investigate keeps watching.</summary>
    Rollback,
}

/// <summary>
/// Called on a Rollback verdict when automatic rollback was asked for. The rollback engine registers one; until
/// it does, the watch returns the decision and warns that automatic rollback is not available.
/// </summary>
internal interface IRollbackTrigger
{
    Task TriggerAsync(HealthDecision decision, IOutputSink sink, CancellationToken cancellationToken);
}

/// <summary>What Watch-DeploymentHealth was asked to do.</summary>
internal sealed class WatchOptions
{
    /// <summary>Deployment whose folder receives the samples and decision records; null: a new watch id.</summary>
    public string? DeploymentId { get; init; }
    /// <summary>When the deployment happened (elapsed time and timeline phases count from it); null: now.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>How long to watch; null: health.duration.</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>A fixed sampling interval; null: health.interval or the timeline phases' intervals.</summary>
    public TimeSpan? Interval { get; init; }
    public WatchUntil Until { get; init; } = WatchUntil.Duration;
    /// <summary>Stop at the first Rollback verdict (false: keep watching for the whole duration).</summary>
    public bool StopOnRollback { get; init; } = true;
    /// <summary>Call <see cref="RollbackTrigger"/> on a Rollback verdict.</summary>
    public bool AutoRollback { get; init; }
    public IRollbackTrigger? RollbackTrigger { get; init; }
    /// <summary>Multiplies every duration of the policy and timeline (0.01 turns a minute into 0.6 s) for drills and tests.</summary>
    public double TimeScale { get; init; } = 1;
    /// <summary>Replaces the configured policy (e.g. a canary gate's own thresholds).</summary>
    public HealthPolicy? Policy { get; init; }
    /// <summary>Replaces the configured scrape targets (e.g. only the canary instance's /metrics).</summary>
    public IReadOnlyList<string>? ScrapeTargets { get; init; }
    /// <summary>Replaces the configured health endpoints.</summary>
    public IReadOnlyList<string>? Probes { get; init; }
    /// <summary>Per-version /metrics URLs for the comparative judge (<c>canary</c>, <c>baseline</c>); null: health.scrape.canary/baseline.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? VersionTargets { get; init; }
    /// <summary>Write samples and decision records to the state directory.</summary>
    public bool Record { get; init; } = true;
    /// <summary>Who asked, for the audit line.</summary>
    public string Command { get; init; } = "Watch-DeploymentHealth";
    /// <summary>
    /// The clock the schedule, timeline and <c>for:</c> windows run on: the system clock, or a fake one in tests so
    /// a 30-minute timeline is judged exactly and instantly.
    /// </summary>
    internal TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>Replaces the configured signal sources (tests script the readings).</summary>
    internal IReadOnlyList<Signals.ISignalSource>? Sources { get; init; }
}
