using System.Globalization;
using System.Text.RegularExpressions;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Signals;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Health;

/// <summary>
/// Watches a deployment's health on the monitoring timeline: every interval it reads the configured signals,
/// lets the decision engine judge them, emits a <see cref="HealthSample"/>, records it with the deployment and
/// writes a decision record for every Rollback/Investigate decision. Returns the final decision.
/// </summary>
internal static partial class HealthWatcher
{
    public const int ProgressActivityId = 5;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeId();

    /// <summary>
    /// When the watched deployment finished (or started, while it runs): the timeline counts from there, so a watch
    /// begun 20 minutes after a deployment judges it with the settling phase's thresholds. Null when unknown.
    /// </summary>
    private static async Task<DateTimeOffset?> DeploymentTimeAsync(ConfigModel config, string? deploymentId, CancellationToken ct)
    {
        if (deploymentId is null || !config.Deployment.IsConfigured) return null;
        await using var store = State.DeploymentStore.Open(config);
        var record = await store.GetAsync(deploymentId, ct).ConfigureAwait(false);
        return record is null ? null : record.End ?? record.Start;
    }

    public static async Task<HealthDecision> WatchAsync(ConfigModel config, WatchOptions options, IOutputSink sink,
        CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        var settings = config.Health;
        var id = ResolveId(options.DeploymentId);
        var scale = options.TimeScale > 0 ? options.TimeScale : 1;
        var policy = (options.Policy ?? settings.Policy).Scaled(scale);
        var duration = options.Duration ?? Scale(settings.Duration, scale);
        var fixedInterval = options.Interval ?? (settings.Interval is { } i ? Scale(i, scale) : null);
        var time = options.Clock;
        var startedAt = options.StartedAt ?? await DeploymentTimeAsync(config, options.DeploymentId, cancellationToken).ConfigureAwait(false)
            ?? time.GetUtcNow();

        await using var collector = options.Sources is { } scripted
            ? new SignalCollector(scripted, config.Redactor)
            : SignalCollector.For(settings, config.Redactor, options.ScrapeTargets, options.Probes,
                options.VersionTargets, compare: policy.Comparisons.Any(c => c.Enabled), deployedAt: startedAt, clock: time);
        if (collector.Sources.Count == 0)
            throw new DeployOpsException(ErrorIds.HealthNoSignals, ErrorKind.InvalidOperation,
                $"{config.FilePath}: health: configures no signal (add scrape.targets, prometheus, probes, logs, resources or a postgres section)", config.FilePath);

        var recorder = options.Record ? new HealthRecorder(config.State.Directory, id, config.Redactor) : null;
        var run = new HealthRun(policy, config.Redactor, id, options.DeploymentId);
        sink.WriteVerbose(config.Redactor.Redact(
            $"Watching {config.Application}/{config.Environment} for {ValueParsers.FormatDuration(duration)} with " +
            $"{string.Join(", ", collector.Sources.Select(s => s.Name))}; rules: {string.Join("; ", policy.Rules.Where(r => r.Enabled))}"));
        if (options.AutoRollback && options.RollbackTrigger is null)
            sink.WriteWarning("Automatic rollback is not available yet: no rollback engine is registered. A Rollback verdict will be returned, not acted on.");

        await collector.PrimeAsync(cancellationToken).ConfigureAwait(false);
        var begun = time.GetTimestamp();
        var nextAt = TimeSpan.Zero;
        var sequence = 0;
        HealthDecision? stoppedOn = null;
        var rollbackTriggered = false;
        try
        {
            while (true)
            {
                var phase = policy.PhaseAt(startedAt.Elapsed(time.GetUtcNow()));
                nextAt += fixedInterval ?? phase.Interval;
                if (nextAt > duration + TimeSpan.FromMilliseconds(1)) break;
                var wait = nextAt - time.GetElapsedTime(begun);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                else nextAt = time.GetElapsedTime(begun); // collection overran the interval: restart the schedule from now

                var now = time.GetUtcNow();
                var observation = await collector.CollectAsync(++sequence, now, now - startedAt, cancellationToken).ConfigureAwait(false);
                var (sample, decision) = run.Step(observation);
                sink.WriteRecord(sample);
                // A dry run (-WhatIf) watches and judges but writes nothing: it only says what it would record.
                if (recorder is not null && sink.IsDryRun) sink.ShouldProcess(recorder.SamplesPath, $"Record health sample {sample.Sequence}");
                else recorder?.Append(sample, scale);
                if (decision is not null)
                {
                    if (recorder is not null && sink.IsDryRun)
                        sink.ShouldProcess(recorder.DecisionPath(decision), $"Write decision record {decision.Number} ({decision.Verdict})");
                    else if (recorder is not null)
                    {
                        decision = decision.With(recordPath: recorder.WriteDecision(decision));
                        run.Tracker.Stored(decision);
                    }
                    sink.WriteVerbose(config.Redactor.Redact($"Decision {decision.Number}: {decision}"));
                    if (decision.Verdict is HealthVerdict.Investigate or HealthVerdict.Rollback)
                        await new Notifications.Notifier(config, sink).NotifyAsync(decision.Verdict == HealthVerdict.Rollback
                            ? Notifications.NotificationEvent.HealthRollback : Notifications.NotificationEvent.HealthInvestigate,
                            Notifications.NotificationValues.Decision(decision), options.Command, decision.DeploymentId,
                            cancellationToken).ConfigureAwait(false);
                }
                Progress(sink, sample, time.GetElapsedTime(begun), duration);

                if (sample.Verdict == HealthVerdict.Rollback)
                {
                    if (options.AutoRollback && !rollbackTriggered)
                        rollbackTriggered = await TriggerRollbackAsync(config, options, run.Tracker.Current(), recorder, sink, cancellationToken).ConfigureAwait(false);
                    if (options.StopOnRollback || options.Until is WatchUntil.Decision or WatchUntil.Rollback) { stoppedOn = run.Tracker.Current(); break; }
                }
                if (options.Until == WatchUntil.Healthy && sample.Verdict == HealthVerdict.Healthy) { stoppedOn = run.Tracker.Current(); break; }
                if (options.Until == WatchUntil.Decision && sample.Verdict == HealthVerdict.Investigate && decision is not null) { stoppedOn = run.Tracker.Current(); break; }
            }
        }
        finally
        {
            sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Watching deployment health", "Done", 100, Completed: true));
        }

        var final = (stoppedOn ?? run.Tracker.Final()).With(rollbackTriggered: rollbackTriggered);
        if (sink.IsDryRun) return final;
        AuditLog.For(config).Write(options.Command, "watch deployment health", config.Redactor.Redact(config.FilePath),
            final.Verdict.ToString(), new Dictionary<string, string>
            {
                ["watchId"] = id,
                ["samples"] = final.SampleCount.ToString(CultureInfo.InvariantCulture),
                ["rule"] = final.Rule ?? "",
                ["record"] = final.RecordPath ?? "",
                ["samplesFile"] = recorder?.SamplesPath ?? "",
            }, options.DeploymentId);
        return ConfigBinding.Bind(final, config.FilePath);
    }

    private static async Task<bool> TriggerRollbackAsync(ConfigModel config, WatchOptions options, HealthDecision decision,
        HealthRecorder? recorder, IOutputSink sink, CancellationToken cancellationToken)
    {
        var audit = AuditLog.For(config);
        var target = config.Redactor.Redact($"{config.Application}/{config.Environment}");
        if (options.RollbackTrigger is not { } trigger)
        {
            sink.WriteWarning(config.Redactor.Redact(
                $"Rollback verdict ({decision.Rule}), but automatic rollback is not yet available: no rollback engine is registered. Roll back by hand (see {decision.RecordPath ?? "the returned decision"})."));
            if (!sink.IsDryRun) audit.Write(options.Command, "automatic rollback", target, "Unavailable", new Dictionary<string, string> { ["rule"] = decision.Rule ?? "" }, options.DeploymentId);
            return false;
        }
        if (!sink.ShouldProcess(target, $"Roll back (health rule {decision.Rule})"))
        {
            if (!sink.IsDryRun) audit.Write(options.Command, "automatic rollback", target, "Skipped", null, options.DeploymentId);
            return false;
        }
        // The rollback copies the decision record into its incident: the copy must say the rollback it explains was
        // triggered, so the record is rewritten first (and back if the rollback fails).
        var triggered = decision.With(rollbackTriggered: true);
        var rewrite = recorder is not null && decision.RecordPath is not null;
        if (rewrite) recorder!.WriteDecision(triggered);
        try
        {
            await trigger.TriggerAsync(triggered, sink, cancellationToken).ConfigureAwait(false);
            audit.Write(options.Command, "automatic rollback", target, "Triggered", new Dictionary<string, string> { ["rule"] = decision.Rule ?? "" }, options.DeploymentId);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (rewrite) recorder!.WriteDecision(decision);
            sink.WriteError(new DeployOpsError(ErrorIds.HealthRollbackTriggerFailed, ErrorKind.InvalidResult,
                config.Redactor.Redact($"Automatic rollback failed: {ex.Message}"), target, ex));
            audit.Write(options.Command, "automatic rollback", target, "Failed", new Dictionary<string, string> { ["error"] = ex.Message }, options.DeploymentId);
            return false;
        }
    }

    private static void Progress(IOutputSink sink, HealthSample sample, TimeSpan watched, TimeSpan duration)
    {
        var main = new List<string>();
        if (sample.ErrorRate is { } e) main.Add($"errors {e.ToString("0.##", CultureInfo.InvariantCulture)}%");
        if (sample.P95 is { } p) main.Add($"p95 {p.ToString("0", CultureInfo.InvariantCulture)} ms");
        if (sample.Requests is { } r) main.Add($"{r.ToString("0", CultureInfo.InvariantCulture)} req");
        var percent = duration > TimeSpan.Zero ? (int)Math.Clamp(watched / duration * 100, 0, 100) : -1;
        sink.WriteProgress(new ProgressUpdate(ProgressActivityId, "Watching deployment health",
            $"T+{ValueParsers.FormatDuration(sample.Elapsed)} ({sample.Phase}): {sample.Verdict}" + (main.Count > 0 ? " · " + string.Join(", ", main) : ""),
            percent, (int)Math.Max(0, (duration - watched).TotalSeconds)));
    }

    internal static string ResolveId(string? deploymentId)
    {
        if (deploymentId is null)
            return $"watch-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        if (!SafeId().IsMatch(deploymentId) || deploymentId.Contains("..", StringComparison.Ordinal))
            throw new DeployOpsException(ErrorIds.HealthDeploymentIdInvalid, ErrorKind.InvalidArgument,
                $"Deployment id '{deploymentId}' must be letters, digits, '.', '_' or '-' (it names a folder)", deploymentId);
        return deploymentId;
    }

    private static TimeSpan Scale(TimeSpan t, double factor) => TimeSpan.FromTicks((long)(t.Ticks * factor));

    private static TimeSpan Elapsed(this DateTimeOffset startedAt, DateTimeOffset now) => now - startedAt;
}
