using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeployOps.Engine.Notifications;

/// <summary>The JSON body each webhook kind expects, built from one redacted <see cref="NotificationMessage"/>.</summary>
internal static class NotificationPayloads
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Json(NotificationTargetKind kind, NotificationMessage message, bool indented = false)
    {
        JsonNode node = kind switch
        {
            NotificationTargetKind.Slack => Slack(message),
            NotificationTargetKind.Mattermost => Mattermost(message),
            NotificationTargetKind.Teams => Teams(message),
            NotificationTargetKind.Webhook => Generic(message),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "e-mail has no JSON payload"),
        };
        return node.ToJsonString(indented ? Indented : null);
    }

    /// <summary>The plain text of a message: the e-mail body and every payload's fallback text.</summary>
    public static string PlainText(NotificationMessage message)
    {
        var lines = new List<string> { message.Text, "" };
        lines.AddRange(message.Facts.Select(f => $"{f.Label}: {f.Value}"));
        if (message.DashboardUrl is not null) lines.Add($"Dashboard: {message.DashboardUrl}");
        lines.Add($"Time: {message.Time:yyyy-MM-dd HH:mm:ss} UTC");
        return string.Join("\n", lines);
    }

    private static string Color(NotificationSeverity severity) => severity switch
    {
        NotificationSeverity.Critical => "#d32f2f",
        NotificationSeverity.Warning => "#f9a825",
        _ => "#2e7d32",
    };

    private static JsonObject Slack(NotificationMessage m)
    {
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Limit(m.Title, 150) } },
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = m.Text } },
        };
        var facts = m.Facts.Take(10).Select(f => (JsonNode)new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*{f.Label}*\n{f.Value}" }).ToArray();
        if (facts.Length > 0) blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = new JsonArray(facts) });
        if (m.DashboardUrl is not null)
            blocks.Add(new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = $"<{m.DashboardUrl}|Dashboard>" }),
            });
        return new JsonObject { ["text"] = $"{m.Title}\n{m.Text}", ["blocks"] = blocks };
    }

    /// <summary>Mattermost takes Slack's "attachments" (not blocks): title, coloured bar and short fields.</summary>
    private static JsonObject Mattermost(NotificationMessage m) => new()
    {
        ["text"] = $"#### {m.Title}",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["fallback"] = $"{m.Title}: {m.Text}",
            ["color"] = Color(m.Severity),
            ["title"] = m.Title,
            ["title_link"] = m.DashboardUrl,
            ["text"] = m.Text,
            ["fields"] = new JsonArray(m.Facts.Select(f => (JsonNode)new JsonObject
            {
                ["short"] = true, ["title"] = f.Label, ["value"] = f.Value,
            }).ToArray()),
        }),
    };

    /// <summary>A Teams message with one Adaptive Card (what Workflows and incoming webhooks accept).</summary>
    private static JsonObject Teams(NotificationMessage m)
    {
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "TextBlock", ["text"] = m.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true,
                    ["color"] = m.Severity switch { NotificationSeverity.Critical => "Attention", NotificationSeverity.Warning => "Warning", _ => "Good" },
                },
                new JsonObject { ["type"] = "TextBlock", ["text"] = m.Text, ["wrap"] = true },
                new JsonObject
                {
                    ["type"] = "FactSet",
                    ["facts"] = new JsonArray(m.Facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Label, ["value"] = f.Value }).ToArray()),
                },
            },
        };
        if (m.DashboardUrl is not null)
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Dashboard", ["url"] = m.DashboardUrl });
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = "application/vnd.microsoft.card.adaptive",
                ["contentUrl"] = null,
                ["content"] = card,
            }),
        };
    }

    /// <summary>Everything, flat and typed, for scripts on the receiving side.</summary>
    private static JsonObject Generic(NotificationMessage m)
    {
        var fields = new JsonObject();
        foreach (var (key, value) in m.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) fields[key] = value;
        return new JsonObject
        {
            ["source"] = "DeployOps",
            ["event"] = NotificationTarget.Camel(m.Event),
            ["severity"] = m.Severity.ToString().ToLowerInvariant(),
            ["test"] = m.IsTest,
            ["time"] = m.Time.UtcDateTime.ToString("o"),
            ["title"] = m.Title,
            ["text"] = m.Text,
            ["dashboardUrl"] = m.DashboardUrl,
            ["fields"] = fields,
        };
    }

    private static string Limit(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
