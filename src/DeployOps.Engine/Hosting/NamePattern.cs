using System.Text.RegularExpressions;

namespace DeployOps.Engine.Hosting;

/// <summary>
/// The wildcards of the parameters that select by name or id (Test-PreDeployment -Name, Get-DeploymentBackup -Id):
/// <c>*</c> any run of characters, <c>?</c> one character, case-insensitive, matching the whole name.
/// </summary>
internal static class NamePattern
{
    public static Regex Of(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.IgnoreCase);

    /// <summary>True when the text is a pattern, not an exact name (an exact name that matches nothing is an error).</summary>
    public static bool HasWildcards(string text) => text.Contains('*') || text.Contains('?');
}
