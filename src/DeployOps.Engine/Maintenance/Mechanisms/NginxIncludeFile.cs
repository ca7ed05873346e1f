using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Maintenance.Mechanisms;

/// <summary>
/// The content of the include file DeployOps owns inside the site's <c>server { }</c> block. Off, it is a comment
/// only. On, server-level rewrite rules answer every request with 503 (except bypass paths and allowed clients) and
/// a named location renders the page with Retry-After; the window's info sits in a comment line for Get.
/// </summary>
internal static partial class NginxIncludeFile
{
    private const string Header = "# Managed by DeployOps (maintenance mode). Do not edit: Enter-/Exit-MaintenanceMode rewrite this file.";
    private const string InfoPrefix = "# deployops-maintenance: ";

    [GeneratedRegex(@"^/[^\s""';{}$\\]*$")]
    private static partial Regex SafePath();

    public static bool IsSafePath(string path) => SafePath().IsMatch(path);

    public static string Off() => Header + "\n# maintenance: off\n";

    public static string On(MaintenanceInfo info, NginxPageSettings settings, string pageHtml)
    {
        var s = new StringBuilder();
        s.Append(Header).Append('\n');
        s.Append("# maintenance: on\n");
        s.Append(InfoPrefix).Append(info.ToJson().Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
        s.Append("set $deployops_maintenance 1;\n");
        foreach (var address in settings.AllowFrom)
            s.Append("if ($remote_addr = \"").Append(address).Append("\") { set $deployops_maintenance 0; }\n");
        foreach (var path in settings.BypassPaths)
            s.Append("if ($uri ~ \"^").Append(Regex.Escape(path)).Append("\") { set $deployops_maintenance 0; }\n");
        s.Append("if ($deployops_maintenance = 1) { return 503; }\n");
        s.Append("error_page 503 @deployops_maintenance;\n");
        s.Append("location @deployops_maintenance {\n");
        s.Append("    default_type \"text/html; charset=utf-8\";\n");
        s.Append("    add_header Retry-After ").Append(((long)Math.Ceiling(settings.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture)).Append(" always;\n");
        s.Append("    add_header Cache-Control \"no-store\" always;\n");
        s.Append("    return 503 \"").Append(Quote(pageHtml)).Append("\";\n");
        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>On when the file carries our "on" marker; the info comment when present.</summary>
    public static (bool On, MaintenanceInfo? Info) Parse(string? content)
    {
        if (content is null) return (false, null);
        var on = content.Contains("\n# maintenance: on\n", StringComparison.Ordinal);
        var infoLine = content.Split('\n').FirstOrDefault(l => l.StartsWith(InfoPrefix, StringComparison.Ordinal));
        return (on, on && infoLine is not null ? MaintenanceInfo.TryParse(infoLine[InfoPrefix.Length..]) : null);
    }

    /// <summary>
    /// An nginx double-quoted string: backslash and quote escaped; '$' would start a variable and nginx has no
    /// escape for it, so it becomes the HTML entity (the page renders the same).
    /// </summary>
    private static string Quote(string html) =>
        html.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "&#36;", StringComparison.Ordinal);
}
