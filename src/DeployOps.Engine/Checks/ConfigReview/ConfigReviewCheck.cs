using System.Text.RegularExpressions;
using DeployOps.Engine.Audit;

namespace DeployOps.Engine.Checks.ConfigReview;

/// <summary>
/// Applies every rule to the file and reports all violations (key, expected, actual). Values of keys that look
/// secret (password, secret, token, key) are masked; other values pass through the redactor.
/// </summary>
internal sealed partial class ConfigReviewCheck : ICheck
{
    private readonly string _file;
    private readonly ReviewFormat _format;
    private readonly IReadOnlyList<ReviewRule> _rules;
    private readonly Redactor _redactor;

    public ConfigReviewCheck(string file, ReviewFormat format, IReadOnlyList<ReviewRule> rules, Redactor redactor)
    {
        _file = file;
        _format = format;
        _rules = rules;
        _redactor = redactor;
    }

    public string Target => _file;

    [GeneratedRegex("(?i)(password|passwd|secret|token|key)")]
    private static partial Regex SecretLookingKey();

    public Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?>
        {
            ["file"] = _file,
            ["format"] = _format.ToString().ToLowerInvariant(),
            ["rules"] = _rules.Count,
        };
        if (!File.Exists(_file)) return Task.FromResult(CheckOutcome.Fail($"file not found: {_file}", data));
        ReviewedDocument document;
        try
        {
            document = ReviewedDocument.Load(_file, _format);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(CheckOutcome.Fail($"cannot read {_file} as {_format.ToString().ToLowerInvariant()}: {ex.Message}", data));
        }

        var violations = new List<Dictionary<string, object?>>();
        var sentences = new List<string>();
        foreach (var rule in _rules)
        {
            var found = document.TryGet(rule.Key, out var value);
            var actual = !found ? null : !value.IsScalar ? value.Text : Show(rule.Key, value.Text);
            var shown = !found ? "nothing" : !value.IsScalar || actual == Redactor.Mask ? actual! : $"'{actual}'";
            var problem = Judge(rule, found, value, shown);
            if (problem is null) continue;
            violations.Add(new Dictionary<string, object?>
            {
                ["key"] = rule.Key,
                ["rule"] = rule.Describe(),
                ["expected"] = rule.Value is null ? null : _redactor.Redact(rule.Value),
                ["actual"] = actual,
                ["found"] = found,
                ["severity"] = rule.Severity.ToString().ToLowerInvariant(),
                ["description"] = rule.Description is null ? null : _redactor.Redact(rule.Description),
            });
            var note = rule.Description is null ? "" : $" ({rule.Description})";
            sentences.Add($"{rule.Key}: {problem}{note}{(rule.Severity == RuleSeverity.Warning ? " [warning]" : "")}");
        }

        data["violations"] = violations;
        data["violated"] = string.Join(",", violations.Select(v => v["key"]));
        var name = Path.GetFileName(_file);
        if (violations.Count == 0)
            return Task.FromResult(CheckOutcome.Pass($"{_rules.Count} rule(s) hold in {name}", data));
        var message = $"{violations.Count} of {_rules.Count} rule(s) violated in {name}: {string.Join("; ", sentences)}";
        var failing = violations.Any(v => (string?)v["severity"] == "failure");
        return Task.FromResult(failing ? CheckOutcome.Fail(message, data) : CheckOutcome.Warn(message, data));
    }

    /// <summary>The violation in words, or null when the rule holds. <paramref name="shown"/> is the actual value as displayed.</summary>
    private static string? Judge(ReviewRule rule, bool found, FoundValue value, string shown) => rule.Kind switch
    {
        RuleKind.Exists => found ? null : "is missing, expected it to be set",
        RuleKind.Absent => found ? $"must not be set, found {shown}" : null,
        RuleKind.Equals when !found => $"expected '{rule.Value}', key is missing",
        RuleKind.Equals => value.IsScalar && ScalarMatch.AreEqual(rule.Value!, value.Text) ? null : $"expected '{rule.Value}', found {shown}",
        // A missing key cannot hold the forbidden value.
        _ => found && value.IsScalar && ScalarMatch.AreEqual(rule.Value!, value.Text) ? $"must not be '{rule.Value}', found {shown}" : null,
    };

    private string Show(string key, string text) => SecretLookingKey().IsMatch(LastSegment(key)) ? Redactor.Mask : _redactor.Redact(text);

    private static string LastSegment(string key)
    {
        var dot = key.LastIndexOf('.');
        return dot < 0 ? key : key[(dot + 1)..];
    }
}
