using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace DeployOps.Engine.Audit;

/// <summary>
/// The one place secrets are removed from text. Every writer of results, messages, logs and audit lines
/// passes its text through the redactor of the configuration it acts on.
/// </summary>
internal sealed partial class Redactor
{
    public const string Mask = "***";

    // Shorter values are ordinary words ("short", "admin"): masking them garbles text and, worse, shows where the
    // secret is. A value this short is reported by the secrets check instead (without printing it).
    public const int MinimumSecretLength = 6;

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

    /// <summary>
    /// Replaces occurrences that stand as a token of their own: a secret that starts (ends) with a letter or digit is
    /// masked only where no letter, digit or '_' precedes (follows) it, so "short" never turns "shorter" into "***er".
    /// </summary>
    private static string MaskWholeOccurrences(string text, string secret)
    {
        var result = new System.Text.StringBuilder(text.Length);
        var from = 0;
        for (var at = text.IndexOf(secret, StringComparison.Ordinal); at >= 0; at = text.IndexOf(secret, at + 1, StringComparison.Ordinal))
        {
            if (at < from) continue;
            var end = at + secret.Length;
            var startsClean = !IsWord(secret[0]) || at == 0 || !IsWord(text[at - 1]);
            var endsClean = !IsWord(secret[^1]) || end == text.Length || !IsWord(text[end]);
            if (!startsClean || !endsClean) continue;
            result.Append(text, from, at - from).Append(Mask);
            from = end;
        }
        return from == 0 ? text : result.Append(text, from, text.Length - from).ToString();
    }

    private static bool IsWord(char c) => char.IsLetterOrDigit(c) || c == '_';

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in _secrets.Keys.OrderByDescending(s => s.Length))
        {
            if (text.Contains(secret, StringComparison.Ordinal)) text = MaskWholeOccurrences(text, secret);
        }
        text = KeyValueSecret().Replace(text, m => $"{m.Groups[1].Value}={Mask}");
        text = UrlUserInfo().Replace(text, m => $"{m.Groups[1].Value}{Mask}@");
        return text;
    }
}
