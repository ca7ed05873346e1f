using System.Text;
using System.Text.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Files;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Checks.ConfigReview;

/// <summary>What a key path found in a reviewed file: a scalar's text, or the kind of a structured value.</summary>
internal readonly record struct FoundValue(bool IsScalar, string Text);

/// <summary>A parsed YAML, JSON or .env file that answers key-path look-ups (<c>a.b[0].c</c>).</summary>
internal abstract class ReviewedDocument
{
    public abstract bool TryGet(string key, out FoundValue value);

    public static ReviewedDocument Load(string path, ReviewFormat format) => format switch
    {
        ReviewFormat.Yaml => YamlReviewed.Load(path),
        ReviewFormat.Json => JsonReviewed.Load(path),
        _ => EnvReviewed.Load(path),
    };

    /// <summary>Reviewed files are application settings: 4 MiB is far above any of them.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>The file's text through the one bounded reader: a FIFO or /dev/zero named as the file fails the check
    /// instead of hanging it or filling memory.</summary>
    protected static string ReadText(string path)
    {
        if (!BoundedFileReader.TryRead(path, MaxBytes, out var bytes, out var problem))
            throw new InvalidDataException($"{path} {problem}");
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Splits <c>a.b[0].c</c> into "a", "b", 0, "c" (the same syntax as the http check's jsonPath).</summary>
    public static IReadOnlyList<object> Steps(string key) =>
        Http.JsonPath.TryParse(key, out var path, out _) ? path.Steps : Array.Empty<object>();
}

internal sealed class YamlReviewed : ReviewedDocument
{
    private readonly YamlNode? _root;

    private YamlReviewed(YamlNode? root) => _root = root;

    public static YamlReviewed Load(string path)
    {
        var text = ReadText(path);
        // The same event guard as deployops.yaml: bounded depth and aliases before YamlStream builds a tree recursively.
        if (YamlEventGuard.Check(path, text, oneDocument: false) is { Count: > 0 } problems)
            throw new InvalidDataException($"line {problems[0].Line}, column {problems[0].Column}: " +
                (problems[0].Path.Length > 0 ? problems[0].Path + ": " : "") + problems[0].Message);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new InvalidDataException($"YAML syntax error at line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message}");
        }
        return new YamlReviewed(stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode);
    }

    public override bool TryGet(string key, out FoundValue value)
    {
        value = default;
        var node = _root;
        foreach (var step in Steps(key))
        {
            if (step is int index)
            {
                if (node is not YamlSequenceNode seq || index >= seq.Children.Count) return false;
                node = seq.Children[index];
            }
            else
            {
                if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode((string)step), out var child)) return false;
                node = child;
            }
        }
        if (node is null) return false;
        value = node switch
        {
            YamlScalarNode s => new FoundValue(true, IsNull(s) ? "null" : s.Value ?? ""),
            YamlSequenceNode seq => new FoundValue(false, $"a list of {seq.Children.Count}"),
            _ => new FoundValue(false, "a mapping"),
        };
        return true;
    }

    private static bool IsNull(YamlScalarNode s) =>
        s.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any &&
        (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }
}

internal sealed class JsonReviewed : ReviewedDocument
{
    private readonly JsonElement _root;

    private JsonReviewed(JsonElement root) => _root = root;

    public static JsonReviewed Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(ReadText(path),
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return new JsonReviewed(document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"JSON syntax error at line {(ex.LineNumber ?? 0) + 1}: {ex.Message}");
        }
    }

    public override bool TryGet(string key, out FoundValue value)
    {
        value = default;
        var node = _root;
        foreach (var step in Steps(key))
        {
            if (step is int index)
            {
                if (node.ValueKind != JsonValueKind.Array || index >= node.GetArrayLength()) return false;
                node = node[index];
            }
            else if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty((string)step, out node)) return false;
        }
        value = node.ValueKind switch
        {
            JsonValueKind.Object => new FoundValue(false, "an object"),
            JsonValueKind.Array => new FoundValue(false, $"a list of {node.GetArrayLength()}"),
            _ => new FoundValue(true, Http.JsonPath.ScalarText(node)),
        };
        return true;
    }
}

/// <summary><c>KEY=value</c> lines; <c>#</c> comments, <c>export</c> prefixes and surrounding quotes are understood.</summary>
internal sealed class EnvReviewed : ReviewedDocument
{
    private readonly Dictionary<string, string> _values;

    private EnvReviewed(Dictionary<string, string> values) => _values = values;

    public static EnvReviewed Load(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in ReadText(path).Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0) throw new InvalidDataException($"line {lineNumber} is not KEY=value");
            var name = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            else if (value.IndexOf(" #", StringComparison.Ordinal) is var hash and >= 0) value = value[..hash].TrimEnd();
            values[name] = value;
        }
        return new EnvReviewed(values);
    }

    public override bool TryGet(string key, out FoundValue value)
    {
        var found = _values.TryGetValue(key, out var text);
        value = new FoundValue(true, text ?? "");
        return found;
    }
}
