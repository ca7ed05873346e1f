using System.Text.RegularExpressions;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// Passwords inside URLs (<c>scheme://user:password@host</c>). Every configured string is checked as written: a
/// literal password is refused like any other literal password (a <c>${env:}</c>/<c>${file:}</c> reference is fine),
/// and URLs shown to people have the password of their user-info masked whatever it is.
/// </summary>
internal static partial class UrlPasswords
{
    // The password may be a reference, which can hold '/' (${file:/run/secrets/x}); a literal one cannot.
    [GeneratedRegex(@"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)((?:\$\{[^}]*\}|[^@\s/])+)@")]
    private static partial Regex UserInfoPassword();

    /// <summary>Why <paramref name="rawValue"/> (as written in the file, before expansion) is refused, or null.</summary>
    public static string? Problem(string rawValue)
    {
        if (!rawValue.Contains("://", StringComparison.Ordinal)) return null;
        foreach (Match m in UserInfoPassword().Matches(rawValue))
        {
            if (m.Groups[2].Value.Contains("${", StringComparison.Ordinal)) continue;
            return "a URL with a literal password: write the password as a reference " +
                "(scheme://user:${env:NAME}@host or ${file:path}), never in the file";
        }
        return null;
    }

    /// <summary><paramref name="url"/> with the password of its user-info replaced by the redactor's mask.</summary>
    public static string Mask(string url) =>
        UserInfoPassword().Replace(url, m => m.Groups[1].Value + Audit.Redactor.Mask + "@");
}
