using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Configuration;

/// <summary>
/// A YAML mapping being read into typed settings. Every accessor records the key as known; <see cref="Finish"/>
/// then reports the keys nobody asked for, so a typo cannot silently disable a setting. Problems are collected,
/// never thrown, so one pass reports all of them; accessors return the default after reporting.
/// </summary>
internal sealed class ConfigMap
{
    private readonly YamlMappingNode _node;
    private readonly ConfigReadContext _context;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, YamlNode> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Mark> _keyMarks = new(StringComparer.Ordinal);

    public ConfigMap(YamlMappingNode node, string path, ConfigReadContext context)
    {
        _node = node;
        Path = path;
        _context = context;
        foreach (var (key, value) in node.Children)
        {
            var name = key is YamlScalarNode s ? s.Value ?? "" : key.ToString();
            if (_entries.ContainsKey(name))
            {
                context.Error(key.Start, Join(name), "duplicate key");
                continue;
            }
            _entries[name] = value;
            _keyMarks[name] = key.Start;
        }
    }

    public string Path { get; }
    public Mark Start => _node.Start;
    public ConfigReadContext Context => _context;
    public IEnumerable<string> Keys => _entries.Keys;

    public string Join(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key)
    {
        _known.Add(key);
        return _entries.TryGetValue(key, out var node) && !IsNull(node);
    }

    /// <summary>Reports a problem at the value of <paramref name="key"/> (or at this mapping when absent).</summary>
    public void Error(string key, string message)
    {
        var at = _entries.TryGetValue(key, out var node) ? node.Start : _node.Start;
        _context.Error(at, Join(key), message);
    }

    public void ErrorHere(string message) => _context.Error(_node.Start, Path, message);

    public string? String(string key)
    {
        var scalar = Scalar(key, "a string");
        return scalar is null ? null : Expand(scalar, Join(key));
    }

    public string RequiredString(string key)
    {
        if (!Has(key))
        {
            _context.Error(_node.Start, Join(key), "is required");
            return "";
        }
        return String(key) ?? "";
    }

    public string String(string key, string defaultValue) => String(key) ?? defaultValue;

    /// <summary>True when the value contains a <c>${…}</c> reference (so it is a secret by construction).</summary>
    public bool IsReference(string key) =>
        _entries.TryGetValue(key, out var n) && n is YamlScalarNode s && (s.Value ?? "").Contains("${", StringComparison.Ordinal);

    public bool Bool(string key, bool defaultValue)
    {
        var scalar = Scalar(key, "true or false");
        if (scalar is null) return defaultValue;
        switch ((scalar.Value ?? "").Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on": return true;
            case "false" or "no" or "off": return false;
            default:
                _context.Error(scalar.Start, Join(key), $"expected true or false, got '{scalar.Value}'");
                return defaultValue;
        }
    }

    public int Int(string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var scalar = Scalar(key, "a whole number");
        if (scalar is null) return defaultValue;
        if (!int.TryParse(scalar.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            _context.Error(scalar.Start, Join(key), $"expected a whole number, got '{scalar.Value}'");
            return defaultValue;
        }
        if (value < min || value > max)
        {
            _context.Error(scalar.Start, Join(key), $"must be between {min} and {max}, got {value}");
            return defaultValue;
        }
        return value;
    }

    public double Number(string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        var scalar = Scalar(key, "a number");
        if (scalar is null) return defaultValue;
        if (!double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            _context.Error(scalar.Start, Join(key), $"expected a number, got '{scalar.Value}'");
            return defaultValue;
        }
        if (value < min || value > max)
        {
            _context.Error(scalar.Start, Join(key), $"must be between {min} and {max}, got {value}");
            return defaultValue;
        }
        return value;
    }

    public TimeSpan Duration(string key, TimeSpan defaultValue) => OptionalDuration(key) ?? defaultValue;

    /// <summary>A duration where 0s is meaningful (a start period, a grace): zero is accepted, negatives are not.</summary>
    public TimeSpan DurationOrZero(string key, TimeSpan defaultValue)
    {
        if (Scalar(key, "a duration") is { } scalar && ValueParsers.ParseDuration(scalar.Value ?? "", out var value) == ParseOutcome.Parsed
            && value == TimeSpan.Zero) return TimeSpan.Zero;
        return Duration(key, defaultValue);
    }

    public TimeSpan? OptionalDuration(string key)
    {
        var scalar = Scalar(key, "a duration");
        if (scalar is null) return null;
        var outcome = ValueParsers.ParseDuration(scalar.Value ?? "", out var value);
        if (outcome == ParseOutcome.Parsed && value > TimeSpan.Zero) return value;
        _context.Error(scalar.Start, Join(key), outcome == ParseOutcome.Overflow
            ? $"'{scalar.Value}' is longer than the longest duration, {ValueParsers.DurationLimit}"
            : $"expected a duration like 500ms, 5s, 2m or 1h, got '{scalar.Value}'");
        return null;
    }

    public long Size(string key, long defaultValue) => OptionalSize(key) ?? defaultValue;

    public long? OptionalSize(string key)
    {
        var scalar = Scalar(key, "a size");
        if (scalar is null) return null;
        var outcome = ValueParsers.ParseSize(scalar.Value ?? "", out var value);
        if (outcome == ParseOutcome.Parsed) return value;
        _context.Error(scalar.Start, Join(key), outcome == ParseOutcome.Overflow
            ? $"'{scalar.Value}' is larger than the largest size, {ValueParsers.SizeLimit}"
            : $"expected a size like {ValueParsers.SizeForms}, got '{scalar.Value}'");
        return null;
    }

    /// <summary>A percentage written with its sign (<c>5%</c>), returned in percent units (5.0).</summary>
    public double Percent(string key, double defaultValue) => OptionalPercent(key) ?? defaultValue;

    public double? OptionalPercent(string key)
    {
        var scalar = Scalar(key, "a percentage");
        if (scalar is null) return null;
        if (ValueParsers.TryParsePercent(scalar.Value ?? "", out var value) && value <= 100) return value;
        _context.Error(scalar.Start, Join(key), $"expected a percentage like 5% (0% to 100%), got '{scalar.Value}'");
        return null;
    }

    public T Enum<T>(string key, T defaultValue) where T : struct, System.Enum => OptionalEnum<T>(key) ?? defaultValue;

    public T? OptionalEnum<T>(string key) where T : struct, System.Enum
    {
        var scalar = Scalar(key, "one of " + string.Join(", ", EnumNames<T>()));
        if (scalar is null) return null;
        var text = (scalar.Value ?? "").Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)) return value;
        _context.Error(scalar.Start, Join(key), $"expected one of {string.Join(", ", EnumNames<T>())}, got '{scalar.Value}'");
        return null;
    }

    public ConfigMap? Map(string key)
    {
        var node = Node(key);
        if (node is null) return null;
        if (node is YamlMappingNode m) return new ConfigMap(m, Join(key), _context);
        _context.Error(node.Start, Join(key), "expected a mapping (key: value lines)");
        return null;
    }

    /// <summary>A list of mappings, e.g. <c>checks:</c>; each item's path is <c>key[i]</c>.</summary>
    public IReadOnlyList<ConfigMap> MapList(string key)
    {
        var node = Node(key);
        if (node is null) return Array.Empty<ConfigMap>();
        if (node is not YamlSequenceNode seq)
        {
            _context.Error(node.Start, Join(key), "expected a list (lines starting with '- ')");
            return Array.Empty<ConfigMap>();
        }
        var result = new List<ConfigMap>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is YamlMappingNode m) result.Add(new ConfigMap(m, $"{Join(key)}[{i}]", _context));
            else _context.Error(seq.Children[i].Start, $"{Join(key)}[{i}]", "expected a mapping (key: value lines)");
        }
        return result;
    }

    /// <summary>A mapping of names to mappings, e.g. <c>slots: { blue: {...}, green: {...} }</c>.</summary>
    public IReadOnlyList<(string Name, ConfigMap Map)> NamedMaps(string key)
    {
        var map = Map(key);
        if (map is null) return Array.Empty<(string, ConfigMap)>();
        var result = new List<(string, ConfigMap)>();
        foreach (var name in map.Keys.ToList())
        {
            var child = map.Map(name);
            if (child is not null) result.Add((name, child));
        }
        return result;
    }

    /// <summary>A scalar or a list of scalars.</summary>
    public IReadOnlyList<string> StringList(string key)
    {
        var node = Node(key);
        if (node is null) return Array.Empty<string>();
        if (node is YamlScalarNode single) return Expand(single, Join(key)) is { } one ? new[] { one } : Array.Empty<string>();
        if (node is not YamlSequenceNode seq)
        {
            _context.Error(node.Start, Join(key), "expected a list of strings");
            return Array.Empty<string>();
        }
        var result = new List<string>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is YamlScalarNode s) { if (Expand(s, $"{Join(key)}[{i}]") is { } v) result.Add(v); }
            else _context.Error(seq.Children[i].Start, $"{Join(key)}[{i}]", "expected a string");
        }
        return result;
    }

    /// <summary>A mapping of names to strings (environment variables, headers).</summary>
    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        var node = Node(key);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null) return result;
        if (node is not YamlMappingNode m)
        {
            _context.Error(node.Start, Join(key), "expected a mapping of names to values");
            return result;
        }
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            if (v is YamlScalarNode s) { if (Expand(s, $"{Join(key)}.{name}") is { } value) result[name] = value; }
            else _context.Error(v.Start, $"{Join(key)}.{name}", "expected a string value");
        }
        return result;
    }

    /// <summary>The raw node for readers that need a shape of their own (e.g. a value that may be a scalar or a list).</summary>
    public YamlNode? Node(string key)
    {
        _known.Add(key);
        return _entries.TryGetValue(key, out var node) && !IsNull(node) ? node : null;
    }

    /// <summary>Reports every key of this mapping that no accessor asked for.</summary>
    public void Finish()
    {
        foreach (var key in _entries.Keys)
        {
            if (_known.Contains(key)) continue;
            var suggestion = Closest(key, _known);
            var hint = suggestion is not null ? $" (did you mean '{suggestion}'?)" : _known.Count > 0
                ? $" (expected one of: {string.Join(", ", _known.OrderBy(k => k, StringComparer.Ordinal))})"
                : "";
            _context.Error(_keyMarks[key], Join(key), $"unknown key '{key}'{hint}");
        }
    }

    private YamlScalarNode? Scalar(string key, string expected)
    {
        var node = Node(key);
        if (node is null) return null;
        if (node is YamlScalarNode s) return s;
        _context.Error(node.Start, Join(key), $"expected {expected}, got a {(node is YamlSequenceNode ? "list" : "mapping")}");
        return null;
    }

    private string? Expand(YamlScalarNode scalar, string path)
    {
        if (UrlPasswords.Problem(scalar.Value ?? "") is { } literalPassword) _context.Error(scalar.Start, path, literalPassword);
        var expanded = _context.Secrets.Expand(scalar.Value ?? "", out var problem, out _);
        // A NUL ends a C string: as a path, command or header it would be cut short or refused deep inside the OS.
        if (problem is null && expanded is not null && expanded.Contains('\0'))
        {
            problem = "contains a NUL character (\\0), which no path, command or name may hold";
            expanded = null;
        }
        if (problem is not null) _context.Error(scalar.Start, path, problem);
        return expanded;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s &&
        (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    private static IEnumerable<string> EnumNames<T>() where T : struct, System.Enum =>
        System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]);

    private static string? Closest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Levenshtein(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = candidate; }
        }
        return bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    private static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
