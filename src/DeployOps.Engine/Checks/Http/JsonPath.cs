using System.Globalization;
using System.Text.Json;

namespace DeployOps.Engine.Checks.Http;

/// <summary>
/// A deliberately small JSON path: dotted property names with optional <c>[index]</c> steps,
/// e.g. <c>models</c>, <c>data.items[0].name</c>, <c>[2].id</c>. Enough for health and inventory endpoints.
/// </summary>
internal sealed class JsonPath
{
    private readonly IReadOnlyList<object> _steps; // string = property, int = array index

    private JsonPath(string text, IReadOnlyList<object> steps)
    {
        Text = text;
        _steps = steps;
    }

    public string Text { get; }

    /// <summary>Property names (string) and array indexes (int), in order.</summary>
    public IReadOnlyList<object> Steps => _steps;

    public static bool TryParse(string text, out JsonPath path, out string? problem)
    {
        var steps = new List<object>();
        problem = null;
        path = new JsonPath(text, steps);
        var i = 0;
        var name = new System.Text.StringBuilder();
        void FlushName()
        {
            if (name.Length > 0) steps.Add(name.ToString());
            name.Clear();
        }
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '.')
            {
                if (name.Length == 0 && (steps.Count == 0 || steps[^1] is string))
                {
                    problem = $"empty property name at position {i + 1}";
                    return false;
                }
                FlushName();
                i++;
            }
            else if (c == '[')
            {
                FlushName();
                var end = text.IndexOf(']', i);
                if (end < 0 || !int.TryParse(text.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    problem = $"expected [number] at position {i + 1}";
                    return false;
                }
                steps.Add(index);
                i = end + 1;
            }
            else
            {
                name.Append(c);
                i++;
            }
        }
        FlushName();
        if (steps.Count == 0) problem = "the path is empty";
        return problem is null;
    }

    /// <summary>Walks the document; on failure says how far it got.</summary>
    public bool TryFind(JsonElement root, out JsonElement found, out string? problem)
    {
        found = root;
        problem = null;
        var walked = "";
        foreach (var step in _steps)
        {
            if (step is int index)
            {
                if (found.ValueKind != JsonValueKind.Array)
                {
                    problem = $"'{Describe(walked)}' is {Kind(found)}, not an array";
                    return false;
                }
                if (index >= found.GetArrayLength())
                {
                    problem = $"'{Describe(walked)}' has {found.GetArrayLength()} item(s), no index {index}";
                    return false;
                }
                found = found[index];
                walked += $"[{index}]";
            }
            else
            {
                var name = (string)step;
                if (found.ValueKind != JsonValueKind.Object)
                {
                    problem = $"'{Describe(walked)}' is {Kind(found)}, not an object";
                    return false;
                }
                if (!found.TryGetProperty(name, out var child))
                {
                    problem = $"property '{name}' not found in '{Describe(walked)}'";
                    return false;
                }
                found = child;
                walked += walked.Length == 0 ? name : "." + name;
            }
        }
        return true;
    }

    /// <summary>A scalar as the text a configuration would write: strings unquoted, numbers and booleans raw.</summary>
    public static string ScalarText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => e.GetRawText(),
    };

    public static bool IsNonEmpty(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => e.GetArrayLength() > 0,
        JsonValueKind.Object => e.EnumerateObject().Any(),
        JsonValueKind.String => (e.GetString() ?? "").Length > 0,
        JsonValueKind.Null or JsonValueKind.Undefined => false,
        _ => true,
    };

    public static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => $"an array of {e.GetArrayLength()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Describe(string walked) => walked.Length == 0 ? "$" : walked;

    public override string ToString() => Text;
}
