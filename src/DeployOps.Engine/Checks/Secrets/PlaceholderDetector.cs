using System.Text.RegularExpressions;

namespace DeployOps.Engine.Checks.Secrets;

/// <summary>
/// Recognises values left over from templates and examples. Case-insensitive; the configured
/// <c>placeholders:</c> are added to the built-in exact matches.
/// </summary>
internal sealed partial class PlaceholderDetector
{
    public static readonly IReadOnlyList<string> BuiltIn = new[]
    {
        "changeme", "change-me", "change_me", "changeit", "replaceme", "replace-me", "secret", "password", "passw0rd",
        "your-secret-key", "your_secret_key", "yoursecretkey", "secret-key", "secret_key", "todo", "tbd", "fixme",
        "example", "placeholder", "dummy", "test", "default", "none", "null", "xxx",
    };

    // Fragments that mark a value as a template even with more around it ("your-api-key-here").
    private static readonly string[] Fragments = { "changeme", "change-me", "change_me", "replace-me", "replaceme", "placeholder", "your-", "your_" };

    private readonly HashSet<string> _exact;

    public PlaceholderDetector(IEnumerable<string> extra)
    {
        _exact = new HashSet<string>(BuiltIn.Concat(extra.Select(e => e.Trim())), StringComparer.OrdinalIgnoreCase);
    }

    // xxxx, ****, 0000, aaaa; <your key>; {{ template }}; ${UNEXPANDED}
    [GeneratedRegex(@"^(?:(.)\1{2,}|<[^>]*>|\{\{.*\}\}|\$\{[^}]*\})$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Pattern();

    public bool IsPlaceholder(string value)
    {
        var v = value.Trim();
        if (_exact.Contains(v)) return true;
        if (Pattern().IsMatch(v)) return true;
        return Fragments.Any(f => v.Contains(f, StringComparison.OrdinalIgnoreCase));
    }
}
