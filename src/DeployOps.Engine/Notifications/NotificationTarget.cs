using DeployOps.Engine.Audit;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Notifications;

/// <summary>One entry of <c>notifications.targets</c>: a receiver and the messages it wants.</summary>
internal sealed class NotificationTarget
{
    public required string Name { get; init; }
    public required NotificationTargetKind Kind { get; init; }
    /// <summary>The webhook URL (a secret: masked everywhere); null for e-mail.</summary>
    public string? Url { get; init; }
    /// <summary>Subscribed events; empty means all of them.</summary>
    public IReadOnlySet<NotificationEvent> Events { get; init; } = new HashSet<NotificationEvent>();
    public NotificationSeverity MinSeverity { get; init; } = NotificationSeverity.Info;
    public EmailSettings? Email { get; init; }

    /// <summary>Whether a message of this event and severity goes here (a test or ad-hoc message goes everywhere:
    /// the operator asked for it).</summary>
    public bool Wants(NotificationEvent @event, NotificationSeverity severity) =>
        @event is NotificationEvent.Test or NotificationEvent.Manual || ((Events.Count == 0 || Events.Contains(@event)) && severity >= MinSeverity);

    internal static NotificationTarget? Read(ConfigMap map, Redactor redactor)
    {
        var name = map.RequiredString("name");
        if (!map.Has("type")) map.Error("type", "is required: slack, mattermost, teams, webhook or email");
        var kind = map.Enum("type", NotificationTargetKind.Webhook);
        var events = ReadEvents(map);
        var minSeverity = map.Enum("minSeverity", NotificationSeverity.Info);
        string? url = null;
        EmailSettings? email = null;
        if (kind == NotificationTargetKind.Email)
        {
            email = EmailSettings.Read(map, redactor);
        }
        else
        {
            if (!map.Has("url")) map.Error("url", $"is required for a {kind.ToString().ToLowerInvariant()} target (use ${{env:NAME}} or ${{file:path}}: it is a secret)");
            url = NotificationSettings.ReadUrl(map, "url");
            // A webhook URL carries its own credential in the path: never shown, also when written in the file.
            redactor.Add(url);
        }
        map.Finish();
        return name.Length == 0 ? null : new NotificationTarget
        {
            Name = name, Kind = kind, Url = url, Events = events, MinSeverity = minSeverity, Email = email,
        };
    }

    private static HashSet<NotificationEvent> ReadEvents(ConfigMap map)
    {
        var events = new HashSet<NotificationEvent>();
        foreach (var text in map.StringList("events"))
        {
            if (Enum.TryParse<NotificationEvent>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _)
                && parsed is not (NotificationEvent.Manual or NotificationEvent.Test))
                events.Add(parsed);
            else if (text.Equals("all", StringComparison.OrdinalIgnoreCase)) events.Clear();
            else
                map.Error("events", $"unknown event '{text}'; expected one of {string.Join(", ", Subscribable.Select(Camel))}");
        }
        return events;
    }

    /// <summary>Manual and test messages go to every target; the rest are chosen per target.</summary>
    internal static IEnumerable<NotificationEvent> Subscribable =>
        Enum.GetValues<NotificationEvent>().Where(e => e is not (NotificationEvent.Manual or NotificationEvent.Test));

    internal static string Camel(NotificationEvent e) => char.ToLowerInvariant(e.ToString()[0]) + e.ToString()[1..];
}

/// <summary>How an e-mail target connects: <c>smtp: {host, port, security, username, password}</c>, <c>from</c>, <c>to</c>.</summary>
internal sealed class EmailSettings
{
    public required string Host { get; init; }
    public int Port { get; init; }
    public SmtpSecurity Security { get; init; }
    public string? Username { get; init; }
    /// <summary>A secret (masked everywhere).</summary>
    public string? Password { get; init; }
    public required string From { get; init; }
    public required IReadOnlyList<string> To { get; init; }

    internal static EmailSettings? Read(ConfigMap target, Redactor redactor)
    {
        var from = target.RequiredString("from");
        var to = target.StringList("to");
        if (to.Count == 0) target.Error("to", "is required for an email target: one or more addresses");
        foreach (var address in to.Append(from).Where(a => a.Length > 0))
            if (!address.Contains('@') || !MimeKit.MailboxAddress.TryParse(address, out _)) target.Error("to", $"'{address}' is not an e-mail address");
        var smtp = target.Map("smtp");
        if (smtp is null)
        {
            target.Error("smtp", "is required for an email target: host, port, security, username, password");
            return null;
        }
        var host = smtp.RequiredString("host");
        var security = smtp.Enum("security", SmtpSecurity.StartTls);
        var port = smtp.Int("port", security == SmtpSecurity.Ssl ? 465 : 587, 1, 65535);
        var username = smtp.String("username");
        var password = smtp.String("password");
        redactor.Add(password);
        if (password is not null && !smtp.IsReference("password"))
            smtp.Error("password", "write the SMTP password as ${env:NAME} or ${file:path}, not in the file");
        smtp.Finish();
        return new EmailSettings
        {
            Host = host, Port = port, Security = security, Username = username, Password = password, From = from, To = to,
        };
    }
}

/// <summary>How the SMTP connection is protected (MailKit's SecureSocketOptions in words).</summary>
internal enum SmtpSecurity
{
    /// <summary>Plain SMTP (a relay on localhost).</summary>
    None,
    /// <summary>STARTTLS is required.</summary>
    StartTls,
    /// <summary>TLS from the first byte (port 465).</summary>
    Ssl,
    /// <summary>STARTTLS when the server offers it.</summary>
    Auto,
}
