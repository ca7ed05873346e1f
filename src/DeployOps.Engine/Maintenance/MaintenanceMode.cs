using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance.Drain;
using DeployOps.Engine.Maintenance.Mechanisms;

namespace DeployOps.Engine.Maintenance;

/// <summary>
/// Enter, exit and read maintenance mode across every configured mechanism. Enter switches each mechanism on
/// (asking ShouldProcess for each, reporting each failure as its own error and carrying on), then waits for
/// in-flight work to drain. Exit switches off everything that is on, even when some mechanisms fail. Every action
/// is written to the audit log, including the ones skipped by -WhatIf.
/// </summary>
internal static partial class MaintenanceMode
{
    public const string DefaultReason = "maintenance";

    public static async Task<MaintenanceState> GetStateAsync(ConfigModel config, IOutputSink sink, CancellationToken cancellationToken)
    {
        sink = ConfigBoundSink.For(sink, config);
        var mechanisms = Mechanisms(config);
        var readings = await ReadAllAsync(config, mechanisms, sink, cancellationToken).ConfigureAwait(false);
        return State(config, readings, null);
    }

    public static async Task<MaintenanceState> EnterAsync(ConfigModel config, EnterMaintenanceOptions options, IOutputSink sink,
        CancellationToken cancellationToken) =>
        (await EnterCoreAsync(config, options, ConfigBoundSink.For(sink, config), reportDrainTimeout: true, cancellationToken).ConfigureAwait(false)).State;

    public static async Task<MaintenanceState> ExitAsync(ConfigModel config, ExitMaintenanceOptions options, IOutputSink sink,
        CancellationToken cancellationToken) =>
        await ExitCoreAsync(config, options, ConfigBoundSink.For(sink, config), askFirst: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Enters maintenance (draining as configured) for work that must leave it again: dispose the scope in a
    /// finally. When entering fails (a mechanism failed, draining timed out or was cancelled) whatever was entered
    /// is exited again and the failure is thrown, so the caller never starts its work half in maintenance.
    /// </summary>
    public static async Task<MaintenanceScope> BeginScopeAsync(ConfigModel config, string reason, string? deploymentId,
        IOutputSink sink, CancellationToken cancellationToken, string command = "Invoke-Deployment")
    {
        var options = new EnterMaintenanceOptions { Reason = reason, DeploymentId = deploymentId, Command = command };
        var exitOptions = new ExitMaintenanceOptions { DeploymentId = deploymentId, Command = command };
        EnterOutcome outcome;
        try
        {
            outcome = await EnterCoreAsync(config, options, sink, reportDrainTimeout: false, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await ExitAfterFailedBeginAsync(config, exitOptions, sink, "cancelled").ConfigureAwait(false);
            throw;
        }

        DeployOpsException? failure = null;
        if (outcome.Failed > 0 || (outcome.State.Status != MaintenanceStatus.On && outcome.Declined == 0))
            failure = new DeployOpsException(ErrorIds.MaintenanceMechanismFailed, ErrorKind.InvalidOperation,
                config.Redactor.Redact($"Could not enter maintenance on every mechanism ({outcome.State}); maintenance was exited again"),
                outcome.State);
        else if (outcome.State.Drain is { Outcome: DrainOutcome.TimedOut } drain)
            failure = new DeployOpsException(ErrorIds.DrainTimeout, ErrorKind.OperationTimeout, drain.Message + "; maintenance was exited again", drain);
        if (failure is not null)
        {
            await ExitAfterFailedBeginAsync(config, exitOptions, sink, failure.Message).ConfigureAwait(false);
            throw failure;
        }
        return new MaintenanceScope(config, outcome.State, deploymentId, command, sink, RenewableRedis(config));
    }

    internal sealed record EnterOutcome(MaintenanceState State, int Failed, int Declined);

    internal static async Task<EnterOutcome> EnterCoreAsync(ConfigModel config, EnterMaintenanceOptions options, IOutputSink sink,
        bool reportDrainTimeout, CancellationToken cancellationToken)
    {
        var mechanisms = Mechanisms(config);
        var drainSettings = config.Maintenance.Drain;
        if (options.Drain == true && drainSettings is null)
            throw new DeployOpsException(ErrorIds.MaintenanceNotConfigured, ErrorKind.InvalidArgument,
                $"-Drain needs a drain source: add maintenance.drain to {config.FilePath}", config.FilePath);

        var audit = AuditLog.For(config);
        var readings = await ReadAllAsync(config, mechanisms, sink, cancellationToken).ConfigureAwait(false);
        var info = NewInfo(config, options, readings.Select(r => r.Reading.Info).FirstOrDefault(i => i is not null));
        int failed = 0, declined = 0;

        foreach (var (mechanism, reading) in readings)
        {
            var renew = mechanism is RedisFlagMechanism { Ttl: not null };
            if (reading.Status == MechanismStatus.On && reading.Info == info && !renew)
            {
                sink.WriteVerbose(config.Redactor.Redact($"{mechanism.Name} already on ({mechanism.Target})"));
                if (!sink.IsDryRun) audit.Write(options.Command, "enter maintenance", Describe(mechanism), "AlreadyOn", Details(info), info.DeploymentId);
                continue;
            }
            var result = await ActAsync(config, mechanism, "enter", options.Command, info, sink, askFirst: true,
                ct => mechanism.EnterAsync(info, ct), cancellationToken).ConfigureAwait(false);
            if (result == ActResult.Failed) failed++;
            if (result == ActResult.Declined) declined++;
        }

        var state = State(config, await ReadAllAsync(config, mechanisms, sink, cancellationToken).ConfigureAwait(false), null);
        if (!state.IsOn)
        {
            sink.WriteVerbose("Maintenance is not on: nothing to drain");
            return new EnterOutcome(state, failed, declined);
        }

        var drain = await DrainAsync(config, options, sink, audit, info, reportDrainTimeout, cancellationToken).ConfigureAwait(false);
        return new EnterOutcome(State(config, await ReadAllAsync(config, mechanisms, sink, cancellationToken).ConfigureAwait(false), drain),
            failed, declined);
    }

    internal static async Task<MaintenanceState> ExitCoreAsync(ConfigModel config, ExitMaintenanceOptions options, IOutputSink sink,
        bool askFirst, CancellationToken cancellationToken)
    {
        var mechanisms = Mechanisms(config);
        var audit = AuditLog.For(config);
        var readings = await ReadAllAsync(config, mechanisms, sink, cancellationToken).ConfigureAwait(false);
        var info = readings.Select(r => r.Reading.Info).FirstOrDefault(i => i is not null);
        // Reverse order of entering: the proxy page goes first so users reach the application soonest.
        foreach (var (mechanism, reading) in readings.AsEnumerable().Reverse())
        {
            if (reading.Status == MechanismStatus.Off)
            {
                sink.WriteVerbose(config.Redactor.Redact($"{mechanism.Name} already off ({mechanism.Target})"));
                if (!sink.IsDryRun) audit.Write(options.Command, "exit maintenance", Describe(mechanism), "AlreadyOff", null, options.DeploymentId ?? info?.DeploymentId);
                continue;
            }
            await ActAsync(config, mechanism, "exit", options.Command, info, sink, askFirst, ct => mechanism.ExitAsync(ct), cancellationToken,
                options.DeploymentId).ConfigureAwait(false);
        }
        return State(config, await ReadAllAsync(config, mechanisms, sink, cancellationToken).ConfigureAwait(false), null);
    }

    private enum ActResult { Done, Declined, Failed }

    /// <summary>One state change: ShouldProcess, do it, audit it; a failure is a non-terminating error and the caller goes on.</summary>
    private static async Task<ActResult> ActAsync(ConfigModel config, IMaintenanceMechanism mechanism, string verb, string command,
        MaintenanceInfo? info, IOutputSink sink, bool askFirst, Func<CancellationToken, Task> action, CancellationToken cancellationToken,
        string? deploymentId = null)
    {
        var audit = AuditLog.For(config);
        var auditAction = $"{verb} maintenance";
        var target = Describe(mechanism);
        deploymentId ??= info?.DeploymentId;
        if (askFirst && !sink.ShouldProcess(config.Redactor.Redact(mechanism.Target), $"{Capitalize(verb)} maintenance mode ({mechanism.Name})"))
        {
            if (!sink.IsDryRun) audit.Write(command, auditAction, target, "Skipped", Details(info), deploymentId);
            return ActResult.Declined;
        }
        try
        {
            await action(cancellationToken).ConfigureAwait(false);
            sink.WriteVerbose(config.Redactor.Redact($"{mechanism.Name}: maintenance {(verb == "enter" ? "on" : "off")} ({mechanism.Target})"));
            audit.Write(command, auditAction, target, "Succeeded", Details(info), deploymentId);
            await new Notifications.Notifier(config, sink).NotifyAsync(verb == "enter" ? Notifications.NotificationEvent.MaintenanceOn
                : Notifications.NotificationEvent.MaintenanceOff, Notifications.NotificationValues.Maintenance(mechanism.Name, info), command,
                deploymentId, CancellationToken.None).ConfigureAwait(false);
            return ActResult.Done;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            audit.Write(command, auditAction, target, "Cancelled", Details(info), deploymentId);
            throw;
        }
        catch (Exception ex)
        {
            var id = ex is DeployOpsException { ErrorId: ErrorIds.NginxConfigInvalid } ? ErrorIds.NginxConfigInvalid : ErrorIds.MaintenanceMechanismFailed;
            var errorTarget = ex is DeployOpsException { Target: string t } && id == ErrorIds.NginxConfigInvalid ? t : mechanism.Target;
            var message = config.Redactor.Redact($"Could not {verb} maintenance mode on {mechanism.Name} ({mechanism.Target}): {ex.Message}");
            sink.WriteError(new DeployOpsError(id, ex is DeployOpsException d ? d.Kind : ErrorKind.InvalidOperation, message, errorTarget, ex));
            var details = Details(info);
            details["error"] = message;
            details["errorId"] = id;
            audit.Write(command, auditAction, target, "Failed", details, deploymentId);
            return ActResult.Failed;
        }
    }

    private static async Task<DrainResult?> DrainAsync(ConfigModel config, EnterMaintenanceOptions options, IOutputSink sink,
        AuditLog audit, MaintenanceInfo info, bool reportTimeout, CancellationToken cancellationToken)
    {
        var settings = config.Maintenance.Drain;
        if (settings is null || options.Drain == false) return null;
        var source = options.DrainSource ?? Source(config, settings);
        var timeout = options.DrainTimeout ?? settings.Timeout;
        DrainResult result;
        if (options.Force)
        {
            result = new DrainResult(DrainOutcome.Skipped, config.Redactor.Redact(source.Description), settings.Threshold, timeout,
                TimeSpan.Zero, Array.Empty<DrainSample>(), "Draining skipped (-Force)");
            sink.WriteVerbose(result.Message);
        }
        else
        {
            result = await new DrainWaiter(source, settings.Threshold, settings.Interval, timeout, config.Redactor, options.Clock)
                .WaitAsync(sink, cancellationToken).ConfigureAwait(false);
        }

        if (!sink.IsDryRun) audit.Write(options.Command, "drain", result.Source, result.Outcome.ToString(), new Dictionary<string, string>
        {
            ["lastCount"] = result.LastCount?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["threshold"] = result.Threshold.ToString(CultureInfo.InvariantCulture),
            ["samples"] = result.Samples.Count.ToString(CultureInfo.InvariantCulture),
            ["elapsedMs"] = ((long)result.Elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["timeout"] = ValueParsers.FormatDuration(timeout),
            ["message"] = result.Message,
        }, info.DeploymentId);

        switch (result.Outcome)
        {
            case DrainOutcome.TimedOut when reportTimeout:
                sink.WriteError(new DeployOpsError(ErrorIds.DrainTimeout, ErrorKind.OperationTimeout, result.Message, result));
                break;
            case DrainOutcome.Cancelled:
                sink.WriteWarning("Draining was cancelled; maintenance mode is still ON. Run Exit-MaintenanceMode when appropriate.");
                cancellationToken.ThrowIfCancellationRequested();
                break;
        }
        return result;
    }

    private static IDrainSource Source(ConfigModel config, DrainSettings settings) => settings.Source switch
    {
        DrainSourceKind.Health => new HealthJsonFieldSource(settings.Urls, settings.Field, settings.RequestTimeout),
        DrainSourceKind.Prometheus => new PrometheusGaugeSource(settings.Urls, settings.Metric, settings.RequestTimeout),
        _ => new PostgresActivityCountSource(config.Maintenance.Postgres!, settings.Database, settings.IncludeIdle, settings.RequestTimeout),
    };

    private static async Task ExitAfterFailedBeginAsync(ConfigModel config, ExitMaintenanceOptions options, IOutputSink sink, string why)
    {
        sink.WriteWarning(config.Redactor.Redact($"Entering maintenance failed ({why}); exiting maintenance again"));
        using var timeout = new CancellationTokenSource(MaintenanceScope.ExitTimeout);
        await ExitCoreAsync(config, options, sink, askFirst: false, timeout.Token).ConfigureAwait(false);
    }

    internal static IReadOnlyList<IMaintenanceMechanism> Mechanisms(ConfigModel config)
    {
        var settings = config.Maintenance;
        var list = new List<IMaintenanceMechanism>();
        if (settings.FlagFile is { } flag) list.Add(new FlagFileMechanism(flag));
        if (settings.Redis is { } redis && settings.RedisConnection is { } connection) list.Add(new RedisFlagMechanism(redis, connection));
        if (settings.Nginx is { } nginx) list.Add(new NginxMaintenancePage(nginx));
        if (list.Count == 0)
            throw new DeployOpsException(ErrorIds.MaintenanceNotConfigured, ErrorKind.ObjectNotFound,
                $"No maintenance mechanism is configured: add maintenance.flagFile, maintenance.redis or maintenance.nginx to {config.FilePath}",
                config.FilePath);
        return list;
    }

    internal static RedisFlagMechanism? RenewableRedis(ConfigModel config) =>
        Mechanisms(config).OfType<RedisFlagMechanism>().FirstOrDefault(r => r.Ttl is not null);

    private static async Task<List<(IMaintenanceMechanism Mechanism, MechanismReading Reading)>> ReadAllAsync(ConfigModel config,
        IReadOnlyList<IMaintenanceMechanism> mechanisms, IOutputSink sink, CancellationToken cancellationToken)
    {
        var readings = await Task.WhenAll(mechanisms.Select(async m =>
        {
            try { return await m.ReadAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var detail = config.Redactor.Redact(ex.Message);
                sink.WriteWarning($"Cannot read {m.Name} ({config.Redactor.Redact(m.Target)}): {detail}");
                return new MechanismReading(MechanismStatus.Unknown, detail);
            }
        })).ConfigureAwait(false);
        return mechanisms.Zip(readings).ToList();
    }

    private static MaintenanceState State(ConfigModel config, List<(IMaintenanceMechanism Mechanism, MechanismReading Reading)> readings,
        DrainResult? drain)
    {
        var r = config.Redactor;
        var states = readings.Select(x => new MechanismState(x.Mechanism.Name, r.Redact(x.Mechanism.Target), x.Reading.Status, r.Redact(x.Reading.Detail))).ToList();
        var info = readings.Where(x => x.Reading.Status == MechanismStatus.On).Select(x => x.Reading.Info).FirstOrDefault(i => i is not null);
        var window = info is null ? null
            : new MaintenanceWindowFacts(info.Since, r.Redact(info.Reason), r.Redact(info.By), info.Host, info.DeploymentId, info.ExpectedEnd);
        return ConfigBinding.Bind(new MaintenanceState(config.Application, config.Environment, states, window, drain), config.FilePath);
    }

    /// <summary>The window to record: an existing one keeps its start and author; reason/expected end change only when given.</summary>
    private static MaintenanceInfo NewInfo(ConfigModel config, EnterMaintenanceOptions options, MaintenanceInfo? existing)
    {
        var clock = options.Clock.GetUtcNow();
        var now = new DateTimeOffset(clock.UtcTicks - clock.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        var expectedEnd = options.ExpectedDuration is { } d ? now + d : (DateTimeOffset?)null;
        if (existing is not null)
            return existing with
            {
                Reason = options.Reason ?? existing.Reason,
                ExpectedEnd = expectedEnd ?? existing.ExpectedEnd,
                DeploymentId = options.DeploymentId ?? existing.DeploymentId,
            };
        var me = OperatorIdentity.Current;
        return new MaintenanceInfo(now, options.Reason ?? DefaultReason, me.User, me.Host, options.DeploymentId, expectedEnd, config.Application, config.Environment);
    }

    private static string Describe(IMaintenanceMechanism m) => $"{m.Name} {m.Target}";

    private static Dictionary<string, string> Details(MaintenanceInfo? info)
    {
        var details = new Dictionary<string, string>();
        if (info is null) return details;
        details["reason"] = info.Reason;
        details["since"] = info.Since.ToString("o", CultureInfo.InvariantCulture);
        if (info.ExpectedEnd is { } end) details["expectedEnd"] = end.ToString("o", CultureInfo.InvariantCulture);
        return details;
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
