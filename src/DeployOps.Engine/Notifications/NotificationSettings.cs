using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Notifications;

/// <summary>The <c>notifications:</c> section of deployops.yaml: where messages go, which ones, and their wording.</summary>
internal sealed class NotificationSettings
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(1);
    public const int DefaultRetries = 2;

    public static NotificationSettings None { get; } = new();

    public IReadOnlyList<NotificationTarget> Targets { get; private init; } = Array.Empty<NotificationTarget>();
    /// <summary>Linked from every message as {dashboard}.</summary>
    public string? DashboardUrl { get; private init; }
    /// <summary>Bound on one attempt to one target.</summary>
    public TimeSpan Timeout { get; private init; } = DefaultTimeout;
    /// <summary>Attempts after the first; the wait doubles from <see cref="RetryDelay"/>.</summary>
    public int Retries { get; private init; } = DefaultRetries;
    public TimeSpan RetryDelay { get; private init; } = DefaultRetryDelay;
    /// <summary>Wording per event (defaults: <see cref="NotificationTemplates"/>).</summary>
    public NotificationTemplates Templates { get; private init; } = NotificationTemplates.Defaults;

    internal static NotificationSettings Read(ConfigMap? map, Redactor redactor)
    {
        if (map is null) return None;
        var settings = new NotificationSettings
        {
            DashboardUrl = ReadUrl(map, "dashboardUrl"),
            Timeout = map.Duration("timeout", DefaultTimeout),
            Retries = map.Int("retries", DefaultRetries, 0, 10),
            RetryDelay = map.Duration("retryDelay", DefaultRetryDelay),
            Templates = NotificationTemplates.Read(map),
            Targets = ReadTargets(map, redactor),
        };
        if (settings.Timeout <= TimeSpan.Zero || settings.Timeout > TimeSpan.FromMinutes(2))
            map.Error("timeout", "must be more than 0 and at most 2m: a notification never holds up a deployment for long");
        if (settings.RetryDelay > TimeSpan.FromMinutes(1)) map.Error("retryDelay", "must be at most 1m");
        map.Finish();
        return settings;
    }

    private static List<NotificationTarget> ReadTargets(ConfigMap map, Redactor redactor)
    {
        var targets = new List<NotificationTarget>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in map.MapList("targets"))
        {
            var target = NotificationTarget.Read(entry, redactor);
            if (target is null) continue;
            if (!names.Add(target.Name)) entry.Error("name", $"duplicate notification target name '{target.Name}'");
            else targets.Add(target);
        }
        return targets;
    }

    internal static string? ReadUrl(ConfigMap map, string key)
    {
        var url = map.String(key);
        if (url is null) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            // The value may be a resolved secret: say what is wrong without echoing it.
            map.Error(key, "expected an absolute http:// or https:// URL");
            return null;
        }
        return url;
    }
}
