using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Audit;

/// <summary>
/// The one place secrets are removed from text. Every writer of results, messages, logs and audit lines
/// passes its text through the redactor of the configuration it acts on.
/// </summary>
public sealed partial class Redactor
{
    public const string Mask = "***";

    // Shorter values would mask ordinary words; a 3-character secret is a configuration problem of its own.
    private const int MinimumSecretLength = 4;

    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);

    [GeneratedRegex(@"(?i)\b(password|pwd|passwd|secret|token|api[_-]?key)\s*=\s*([^;\s&]+)")]
    private static partial Regex KeyValueSecret();

    [GeneratedRegex(@"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s/]+)@")]
    private static partial Regex UrlUserInfo();

    /// <summary>Registers a value that must never appear in output.</summary>
    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumSecretLength) return;
        _secrets.TryAdd(secret, 0);
        var trimmed = secret.Trim();
        if (trimmed.Length >= MinimumSecretLength && trimmed != secret) _secrets.TryAdd(trimmed, 0);
    }

    public int Count => _secrets.Count;

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in _secrets.Keys.OrderByDescending(s => s.Length))
        {
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }
        text = KeyValueSecret().Replace(text, m => $"{m.Groups[1].Value}={Mask}");
        text = UrlUserInfo().Replace(text, m => $"{m.Groups[1].Value}{Mask}@");
        return text;
    }
}
