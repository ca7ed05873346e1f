using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Health;

/// <summary>What a health gate watches: how long, how often, and optionally only some instances.</summary>
internal sealed class HealthGateWindow
{
    /// <summary>How long the gate watches before answering (it answers early on Rollback).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Sampling interval; null: the timeline phases' intervals.</summary>
    public TimeSpan? Interval { get; init; }
    /// <summary>/metrics URLs to judge instead of the configured targets (e.g. the canary instances).</summary>
    public IReadOnlyList<string>? ScrapeTargets { get; init; }
    /// <summary>Health endpoints to probe instead of the configured ones.</summary>
    public IReadOnlyList<string>? Probes { get; init; }
    /// <summary>Per-version /metrics URLs (<c>canary</c>, <c>baseline</c>) for the comparative judge (<c>health.compare</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? VersionTargets { get; init; }
    /// <summary>A policy of the gate's own (null: the configured one).</summary>
    public HealthPolicy? Policy { get; init; }
    /// <summary>Deployment whose folder receives the gate's samples and decisions (null: not recorded).</summary>
    public string? DeploymentId { get; init; }
    /// <summary>When the deployment happened (timeline phases count from it); null: now.</summary>
    public DateTimeOffset? StartedAt { get; init; }
}

/// <summary>
/// The reusable evaluator behind canary gates: watches one window with the configured signals and decision
/// matrix and answers Healthy, Investigate, Rollback or Inconclusive. A Rollback ends the window early.
/// Only Healthy should let a rollout proceed; Inconclusive means "not enough evidence", not "fine".
/// </summary>
internal static class HealthGate
{
    public static Task<HealthDecision> EvaluateAsync(ConfigModel config, HealthGateWindow window, IOutputSink sink,
        CancellationToken cancellationToken) =>
        HealthWatcher.WatchAsync(config, new WatchOptions
        {
            DeploymentId = window.DeploymentId,
            StartedAt = window.StartedAt,
            Duration = window.Duration,
            Interval = window.Interval,
            Policy = window.Policy,
            ScrapeTargets = window.ScrapeTargets,
            Probes = window.Probes,
            VersionTargets = window.VersionTargets,
            StopOnRollback = true,
            Record = window.DeploymentId is not null,
            Command = "HealthGate",
        }, sink, cancellationToken);

    /// <summary>True when the gate's answer lets a rollout continue.</summary>
    public static bool Passes(HealthDecision decision) => decision.Verdict == HealthVerdict.Healthy;
}
