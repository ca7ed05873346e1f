using System.Text.RegularExpressions;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Security;

/// <summary>
/// The character sets of values that become paths, container names, image tags, nginx directives and URLs.
/// A version is <c>[A-Za-z0-9._+-]</c>, 1–128 characters, not starting with '-' or '.', so it is always one path
/// segment, never an option, and never shell or SQL syntax.
/// </summary>
internal static partial class Identifiers
{
    public const int MaxVersionLength = 128;
    public const string VersionCharacters = "[A-Za-z0-9._+-]";

    [GeneratedRegex(@"^[A-Za-z0-9_+][A-Za-z0-9._+-]*$")]
    private static partial Regex VersionPattern();

    /// <summary>Slot and instance names: the version's set without '+' (they become container names and nginx comments).</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();

    /// <summary>A DNS name or IPv4 address (labels of letters, digits, '-', '_', separated by single dots).</summary>
    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$")]
    private static partial Regex HostNamePattern();

    /// <summary>An IPv6 address in brackets, as nginx and URLs need it.</summary>
    [GeneratedRegex(@"^\[[0-9A-Fa-f:.]{2,45}\]$")]
    private static partial Regex BracketedIpv6Pattern();

    /// <summary>Why <paramref name="version"/> is not a valid version; null when it is.</summary>
    public static string? VersionProblem(string? version)
    {
        if (string.IsNullOrEmpty(version)) return "a version is required";
        if (version.Length > MaxVersionLength) return $"it is {version.Length} characters long (at most {MaxVersionLength})";
        var bad = version.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-'));
        if (bad is '\n' or '\r') return "it contains a line break";
        if (bad is '/' or '\\') return $"it contains a path separator ('{bad}')";
        if (bad != default) return $"it contains '{Printable(bad)}'";
        if (version[0] is '-' or '.') return $"it starts with '{version[0]}'";
        if (!VersionPattern().IsMatch(version)) return "it is not of the form [A-Za-z0-9_+][A-Za-z0-9._+-]*";
        return null;
    }

    /// <summary>Throws InvalidVersion (InvalidArgument, target the version) unless the version is valid.</summary>
    public static string ValidateVersion(string? version, string what = "version")
    {
        if (VersionProblem(version) is { } problem)
            throw new DeployOpsException(ErrorIds.InvalidVersion, ErrorKind.InvalidArgument,
                $"Invalid {what} '{Printable(version ?? "")}': {problem}. A version is 1-{MaxVersionLength} characters of " +
                $"{VersionCharacters} and does not start with '-' or '.'.", version);
        return version!;
    }

    /// <summary>Why a slot or instance name is not valid; null when it is.</summary>
    public static string? NameProblem(string name) => NamePattern().IsMatch(name)
        ? null
        : "expected 1-63 characters of [A-Za-z0-9._-], not starting with '.' or '-'";

    /// <summary>Why <paramref name="host"/> cannot be a backend host (nginx server directive, URL); null when it can.</summary>
    public static string? HostProblem(string host)
    {
        if (host.Length == 0) return "the host is empty";
        if (HostNamePattern().IsMatch(host) || BracketedIpv6Pattern().IsMatch(host)) return null;
        var bad = host.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '[' or ']' or ':'));
        return bad != default
            ? $"'{Printable(host)}' is not a host name or IP address (it contains '{Printable(bad)}')"
            : $"'{Printable(host)}' is not a host name or IP address (use a DNS name, an IPv4 address or [IPv6])";
    }

    private static string Printable(char c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        ' ' => "space",
        _ when char.IsControl(c) => $"\\u{(int)c:x4}",
        _ => c.ToString(),
    };

    internal static string Printable(string text) =>
        text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
