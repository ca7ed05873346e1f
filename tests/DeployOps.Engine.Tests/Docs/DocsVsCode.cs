using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Docs;

/// <summary>
/// What the docs claim about the code, read from the docs themselves: the ErrorIds they list, the configuration keys
/// in their tables and the step commands they show. Each check returns "file:line: problem" lines.
/// </summary>
public static partial class DocsVsCode
{
    /// <summary>Every ErrorId the engine defines (the public contract).</summary>
    public static IReadOnlySet<string> ErrorIdValues { get; } = typeof(ErrorIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>Every markdown page of docs/ (cmdlet help included), relative name and text.</summary>
    public static IReadOnlyList<(string Name, string Text)> Pages() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(RepositoryPaths.Root, f), File.ReadAllText(f)))
            .ToList();

    [GeneratedRegex(@"^#+\s*Error ?ids\b", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorSection();

    [GeneratedRegex(@"`([A-Z][a-z]+[A-Za-z]*)`")]
    private static partial Regex PascalCodeSpan();

    /// <summary>Ids listed in a page's "Error ids" section (a table's first column, or any code span in prose) that the code does not define.</summary>
    public static IEnumerable<string> UnknownListedErrorIds(string name, string text, IReadOnlySet<string> known)
    {
        var inSection = false;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith('#'))
            {
                inSection = ErrorSection().IsMatch(line);
                continue;
            }
            if (!inSection) continue;
            var scope = line.StartsWith('|') ? line.Split('|', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "" : line;
            foreach (Match id in PascalCodeSpan().Matches(scope))
                if (!known.Contains(id.Groups[1].Value))
                    yield return $"{name}:{i + 1}: `{id.Groups[1].Value}` is listed as an error id but the code defines no such ErrorId";
        }
    }

    /// <summary>Defined ids no page mentions.</summary>
    public static IEnumerable<string> UndocumentedErrorIds(IEnumerable<string> known, IReadOnlyList<(string Name, string Text)> pages) =>
        known.Order(StringComparer.Ordinal)
            .Where(id => !pages.Any(p => Regex.IsMatch(p.Text, $@"\b{id}\b")))
            .Select(id => $"ErrorIds.{id} is documented on no page of docs/");

    // A secret reference is ${env:…} or ${file:…}; anything else after an unescaped "${" is rejected when the configuration loads.
    [GeneratedRegex(@"(?<!\$)\$\{(?!env:|file:)([^}\s]*)\}?")]
    private static partial Regex BareReference();

    /// <summary>Yaml lines in docs and examples that would not load: a shell variable written ${NAME} instead of $${NAME}.</summary>
    public static IEnumerable<string> BareShellReferences(string name, string yamlOrMarkdown)
    {
        var lines = yamlOrMarkdown.Split('\n');
        var isYaml = name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal);
        var inYaml = isYaml;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!isYaml && line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inYaml = !inYaml && line.TrimStart().StartsWith("```yaml", StringComparison.Ordinal);
                continue;
            }
            if (!inYaml) continue;
            var content = StripComment(line);
            foreach (Match m in BareReference().Matches(content))
                yield return $"{name}:{i + 1}: '{m.Value}' is read as a secret reference and rejected; a shell variable is written $${{{m.Groups[1].Value}}} or ${m.Groups[1].Value}";
        }
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        return hash >= 0 ? line[..hash] : line;
    }

    /// <summary>
    /// The keys of a page's configuration table (first column, "`a.b` / `.c`" = a.b and a.c) under the section whose
    /// heading contains <paramref name="heading"/>, with their line numbers. "&lt;name&gt;" and "[]" stay in the path.
    /// </summary>
    public static IReadOnlyList<(int Line, string Key)> TableKeys(string text, string heading)
    {
        var keys = new List<(int, string)>();
        var lines = text.Split('\n');
        var inSection = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith('#'))
            {
                inSection = line.Contains(heading, StringComparison.Ordinal);
                continue;
            }
            if (!inSection || !line.StartsWith("| `", StringComparison.Ordinal)) continue;
            var cell = line.Split('|', StringSplitOptions.RemoveEmptyEntries)[0];
            var spans = Regex.Matches(cell, "`([^`]+)`").Select(m => m.Groups[1].Value).ToList();
            var first = spans[0];
            keys.Add((i + 1, first));
            var parent = first.Contains('.') ? first[..first.LastIndexOf('.')] : "";
            foreach (var sibling in spans.Skip(1).Where(s => s.StartsWith('.')))
                keys.Add((i + 1, parent + sibling));
        }
        return keys;
    }

    /// <summary>
    /// A minimal yaml that sets <paramref name="key"/> (under <paramref name="section"/>) to a dummy value: enough for
    /// the loader to say whether it knows the key ("unknown key" errors), whatever it thinks of the value.
    /// </summary>
    public static string YamlSetting(string section, string key)
    {
        var yaml = new StringBuilder("application: shop\nenvironment: docs\n").Append(section).Append(":\n");
        var indent = "  ";
        var parts = key.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = Placeholder(parts[i]);
            var last = i == parts.Length - 1;
            if (part.EndsWith("[]", StringComparison.Ordinal))
            {
                yaml.Append(indent).Append(part[..^2]).Append(":\n").Append(indent).Append("  -");
                indent += "    ";
                // The list item's first key goes on the dash line.
                var next = Placeholder(parts[++i]);
                yaml.Append(' ').Append(next).Append(i == parts.Length - 1 ? ": x\n" : ":\n");
                continue;
            }
            yaml.Append(indent).Append(part).Append(last ? ": x\n" : ":\n");
            indent += "  ";
        }
        return yaml.ToString();
    }

    /// <summary>A sample for a placeholder segment: &lt;phase&gt; is a step phase, any other &lt;name&gt; a slot name.</summary>
    private static string Placeholder(string part) =>
        Regex.Replace(part.Replace("<phase>", "install", StringComparison.Ordinal), "<[^>]+>", "blue");

    /// <summary>The loader's "unknown key" errors for a configuration setting only <paramref name="key"/>.</summary>
    public static IReadOnlyList<string> UnknownKeyErrors(string section, string key)
    {
        using var config = new TempConfig(YamlSetting(section, key));
        return ConfigLoader.Validate(config.Path, _ => "secret").Where(e => e.Message.Contains("unknown key", StringComparison.Ordinal))
            .Select(e => e.ToString()).ToList();
    }

    /// <summary>Every key path of a yaml mapping (lists: "name[].key"; map keys under <paramref name="namedMaps"/> become "&lt;name&gt;").</summary>
    public static IEnumerable<string> KeyPaths(YamlDotNet.RepresentationModel.YamlMappingNode node, string prefix, IReadOnlySet<string> namedMaps)
    {
        foreach (var (k, v) in node.Children)
        {
            var name = ((YamlDotNet.RepresentationModel.YamlScalarNode)k).Value!;
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (namedMaps.Contains(prefix)) path = $"{prefix}.<name>";
            switch (v)
            {
                case YamlDotNet.RepresentationModel.YamlMappingNode map:
                    yield return path;
                    foreach (var child in KeyPaths(map, path, namedMaps)) yield return child;
                    break;
                case YamlDotNet.RepresentationModel.YamlSequenceNode list when list.Children.FirstOrDefault() is YamlDotNet.RepresentationModel.YamlMappingNode item:
                    yield return path;
                    foreach (var child in KeyPaths(item, path + "[]", namedMaps)) yield return child;
                    break;
                default:
                    yield return path;
                    break;
            }
        }
    }
}
