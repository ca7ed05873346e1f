using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Notifications;

/// <summary>
/// The one way the engine tells people what happened: renders the event's template, sends it to every target that
/// wants it, and never fails or holds up the operation that caused it. Each attempt is bounded by
/// <c>notifications.timeout</c>; a failed attempt is retried <c>retries</c> times with doubling waits (on the injected
/// clock); a message still not delivered becomes a warning and an audit line. Everything sent is redacted.
/// </summary>
internal sealed class Notifier
{
    private readonly ConfigModel _config;
    private readonly IOutputSink? _sink;
    private readonly TimeProvider _clock;

    public Notifier(ConfigModel config, IOutputSink? sink, TimeProvider? clock = null)
    {
        _config = config;
        _sink = sink;
        _clock = clock ?? TimeProvider.System;
    }

    private NotificationSettings Settings => _config.Notifications;

    /// <summary>Builds the message for <paramref name="event"/> from its template and the values given.</summary>
    public NotificationMessage Render(NotificationEvent @event, IReadOnlyDictionary<string, string?> values, NotificationSeverity? severity = null)
    {
        var level = severity ?? NotificationMessage.DefaultSeverity(@event);
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["application"] = _config.Application,
            ["environment"] = _config.Environment,
            ["operator"] = OperatorIdentity.Current.ToString(),
            ["dashboard"] = Settings.DashboardUrl,
            ["event"] = NotificationTarget.Camel(@event),
            ["severity"] = level.ToString().ToLowerInvariant(),
            ["time"] = _clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in values) all[key] = value;
        var redact = _config.Redactor;
        var template = Settings.Templates.For(@event);
        return new NotificationMessage
        {
            Event = @event,
            Severity = level,
            Title = redact.Redact(NotificationTemplates.Render(template.Title, all)),
            Text = redact.Redact(NotificationTemplates.Render(template.Text, all)),
            Time = _clock.GetUtcNow(),
            Values = all.Where(kv => !string.IsNullOrWhiteSpace(kv.Value)).ToDictionary(kv => kv.Key, kv => redact.Redact(kv.Value), StringComparer.Ordinal),
            DashboardUrl = Settings.DashboardUrl,
        };
    }

    /// <summary>
    /// Sends to every target that wants this event at this severity (a test message: to every target). Returns one
    /// result per target tried; never throws (a cancelled <paramref name="ct"/> ends the attempts early).
    /// </summary>
    public async Task<IReadOnlyList<NotificationResult>> PublishAsync(NotificationEvent @event, IReadOnlyDictionary<string, string?> values,
        string command, string? deploymentId = null, NotificationSeverity? severity = null, CancellationToken ct = default,
        IReadOnlyCollection<NotificationTarget>? only = null)
    {
        if (Settings.Targets.Count == 0 || _sink is { IsDryRun: true }) return Array.Empty<NotificationResult>();
        var message = Render(@event, values, severity);
        var targets = (only ?? Settings.Targets).Where(t => t.Wants(@event, message.Severity)).ToList();
        var results = await Task.WhenAll(targets.Select(t => DeliverAsync(t, message, ct))).ConfigureAwait(false);
        foreach (var result in results) Record(result, command, deploymentId);
        return results;
    }

    /// <summary>For callers that only fire and go on: publishes, keeping the results to the audit log and warnings.</summary>
    public Task NotifyAsync(NotificationEvent @event, IReadOnlyDictionary<string, string?> values, string command,
        string? deploymentId = null, CancellationToken ct = default) => PublishAsync(@event, values, command, deploymentId, null, ct);

    private async Task<NotificationResult> DeliverAsync(NotificationTarget target, NotificationMessage message, CancellationToken ct)
    {
        var attempts = 0;
        string? error = null;
        var delay = Settings.RetryDelay;
        while (attempts <= Settings.Retries && !ct.IsCancellationRequested)
        {
            if (attempts > 0)
            {
                try { await Task.Delay(delay, _clock, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
                delay += delay;
            }
            attempts++;
            using var timeout = new CancellationTokenSource(Settings.Timeout, _clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
            try
            {
                await NotificationSenders.SendAsync(target, message, linked.Token).ConfigureAwait(false);
                return Result(target, message, true, attempts, null);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                error = $"no answer within {ValueParsers.FormatDuration(Settings.Timeout)}";
            }
            catch (OperationCanceledException)
            {
                error = "cancelled";
            }
            catch (Exception ex)
            {
                error = Describe(ex);
            }
        }
        return Result(target, message, false, attempts, error ?? "cancelled");
    }

    private NotificationResult Result(NotificationTarget target, NotificationMessage message, bool delivered, int attempts, string? error) =>
        new(target.Name, target.Kind, message.Event, message.Severity, delivered, attempts,
            error is null ? null : _config.Redactor.Redact(error), _clock.GetUtcNow(), message.Title);

    private static string Describe(Exception ex)
    {
        var text = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException) text += " " + inner.Message;
        return text;
    }

    /// <summary>The audit line (delivered or not) and, for a failure, the warning; neither may fail the caller.</summary>
    private void Record(NotificationResult result, string command, string? deploymentId)
    {
        if (!result.Delivered)
            _sink?.WriteWarning($"Notification '{result.Title}' to {result.Target} ({result.Kind}) was not delivered after " +
                $"{result.Attempts} attempt(s): {result.Error}. The operation goes on.");
        try
        {
            AuditLog.For(_config).Write(command, $"notify {NotificationTarget.Camel(result.Event)}", result.Target,
                result.Delivered ? "Delivered" : "Failed", new Dictionary<string, string>
                {
                    ["kind"] = result.Kind.ToString(),
                    ["severity"] = result.Severity.ToString(),
                    ["attempts"] = result.Attempts.ToString(CultureInfo.InvariantCulture),
                    ["title"] = result.Title,
                    ["error"] = result.Error ?? "",
                }, deploymentId);
        }
        catch (DeployOpsException ex)
        {
            _sink?.WriteWarning($"Could not audit the notification to {result.Target}: {ex.Message}");
        }
    }
}
