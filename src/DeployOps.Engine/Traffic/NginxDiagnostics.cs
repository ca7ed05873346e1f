using System.Text.RegularExpressions;

namespace DeployOps.Engine.Traffic;

/// <summary>Reads what nginx says when it refuses a configuration: the message and the file:line it points at.</summary>
internal static partial class NginxDiagnostics
{
    // nginx: [emerg] unknown directive "bogus" in /etc/nginx/nginx.conf:12
    [GeneratedRegex(@"\[(?:emerg|alert|crit|error)\]\s*(?<message>[^\n|]*?)\s+in\s+(?<file>/[^\s:]+):(?<line>\d+)")]
    private static partial Regex Located();

    [GeneratedRegex(@"\[(?:emerg|alert|crit|error)\]\s*(?<message>[^\n|]+?)\s*(?:$|\||\n)", RegexOptions.Multiline)]
    private static partial Regex Unlocated();

    public sealed record Problem(string Message, string? File, int? Line)
    {
        public string Location => File is null ? "" : $"{File}:{Line}";
    }

    /// <summary>The first problem nginx reported, or null when its output names none.</summary>
    public static Problem? FirstProblem(string output)
    {
        var located = Located().Match(output);
        if (located.Success)
            return new Problem(located.Groups["message"].Value, located.Groups["file"].Value, int.Parse(located.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture));
        var unlocated = Unlocated().Match(output);
        return unlocated.Success ? new Problem(unlocated.Groups["message"].Value, null, null) : null;
    }
}
