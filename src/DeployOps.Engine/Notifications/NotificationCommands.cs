using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Notifications;

/// <summary>What Send-DeploymentNotification was asked to send.</summary>
internal sealed class SendNotificationOptions
{
    public required string Message { get; init; }
    public NotificationSeverity Severity { get; init; } = NotificationSeverity.Info;
    /// <summary>Target names; empty: every target.</summary>
    public IReadOnlyList<string> Targets { get; init; } = Array.Empty<string>();
    public string? Reason { get; init; }
    public string? ChangeTicket { get; init; }
    public string Command { get; init; } = "Send-DeploymentNotification";
}

/// <summary>The operator's own messages: the runbooks' manual "post in the channel" steps, and the test message.</summary>
internal static class NotificationCommands
{
    /// <summary>Sends an ad-hoc message; each target asks ShouldProcess. One result per target; a failure is also an error.</summary>
    public static async Task<IReadOnlyList<NotificationResult>> SendAsync(ConfigModel config, SendNotificationOptions options,
        IOutputSink sink, CancellationToken ct)
    {
        var notifier = new Notifier(config, sink);
        var chosen = Choose(config, options.Targets)
            .Where(t => sink.ShouldProcess($"{t.Name} ({t.Kind})", $"Send notification: {config.Redactor.Redact(options.Message)}"))
            .ToList();
        if (chosen.Count == 0) return Array.Empty<NotificationResult>();
        var values = new Dictionary<string, string?> { ["message"] = options.Message, ["reason"] = options.Reason, ["ticket"] = options.ChangeTicket };
        var results = await notifier.PublishAsync(NotificationEvent.Manual, values, options.Command, null, options.Severity, ct, chosen)
            .ConfigureAwait(false);
        return Report(results, sink);
    }

    /// <summary>Test-DeploymentConfig -TestNotifications: a clearly marked test message to every target.</summary>
    public static async Task<IReadOnlyList<NotificationResult>> TestAsync(ConfigModel config, IOutputSink sink, CancellationToken ct)
    {
        var targets = Choose(config, Array.Empty<string>());
        var results = await new Notifier(config, sink).PublishAsync(NotificationEvent.Test, new Dictionary<string, string?>(),
            "Test-DeploymentConfig", null, null, ct, targets).ConfigureAwait(false);
        return Report(results, sink);
    }

    private static List<NotificationTarget> Choose(ConfigModel config, IReadOnlyList<string> names)
    {
        var all = config.Notifications.Targets;
        if (all.Count == 0)
            throw new DeployOpsException(ErrorIds.NotificationsNotConfigured, ErrorKind.InvalidOperation,
                $"{config.FilePath} has no notifications.targets: there is nowhere to send a message", config.FilePath);
        if (names.Count == 0) return all.ToList();
        var chosen = new List<NotificationTarget>();
        foreach (var name in names)
        {
            var target = all.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new DeployOpsException(ErrorIds.NotificationTargetNotFound, ErrorKind.ObjectNotFound,
                    $"No notification target '{name}' in {config.FilePath}; configured: {string.Join(", ", all.Select(t => t.Name))}", name);
            if (!chosen.Contains(target)) chosen.Add(target);
        }
        return chosen;
    }

    private static IReadOnlyList<NotificationResult> Report(IReadOnlyList<NotificationResult> results, IOutputSink sink)
    {
        foreach (var result in results)
        {
            if (!result.Delivered)
                sink.WriteError(new DeployOpsError(ErrorIds.NotificationNotDelivered, ErrorKind.ConnectionError,
                    $"The notification to {result.Target} ({result.Kind}) was not delivered after {result.Attempts} attempt(s): {result.Error}",
                    result.Target));
            sink.WriteRecord(result);
        }
        return results;
    }
}
