using System.Text.RegularExpressions;

namespace DeployOps.HelpGen;

public sealed record ParameterDoc(string Name, string Text);

public sealed record ExampleDoc(string Title, string Code, string Remarks);

/// <summary>An input or output type and what it means for this cmdlet.</summary>
public sealed record TypeDoc(string TypeName, string Text);

/// <summary>A related link: another cmdlet (no target) or a page with its target path.</summary>
public sealed record LinkDoc(string Text, string Target);

/// <summary>
/// One docs/cmdlets/&lt;Verb-Noun&gt;.md, in the fixed format described in docs/cmdlets/README.md.
/// Problems found while reading (unknown sections, a parameter heading without a dash…) are kept in
/// <see cref="FormatProblems"/> so the check reports them with everything else.
/// </summary>
public sealed partial record CmdletDoc(
    string File,
    string Title,
    string Synopsis,
    string Description,
    IReadOnlyList<ParameterDoc> Parameters,
    IReadOnlyList<ExampleDoc> Examples,
    IReadOnlyList<TypeDoc> Inputs,
    IReadOnlyList<TypeDoc> Outputs,
    string Notes,
    IReadOnlyList<LinkDoc> Links,
    IReadOnlyList<string> FormatProblems)
{
    public static readonly IReadOnlyList<string> Sections =
        new[] { "Synopsis", "Description", "Parameters", "Examples", "Inputs", "Outputs", "Notes", "Related Links" };

    public static CmdletDoc Load(string path) => Parse(path, System.IO.File.ReadAllText(path));

    public static CmdletDoc Parse(string file, string markdown)
    {
        var problems = new List<string>();
        var title = "";
        var sections = new Dictionary<string, List<(string Heading, List<string> Lines)>>(StringComparer.OrdinalIgnoreCase);
        List<(string Heading, List<string> Lines)>? section = null;
        var inFence = false;

        foreach (var raw in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            // A PowerShell comment inside a code block is not a heading.
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (!inFence && line.StartsWith("# ", StringComparison.Ordinal))
            {
                title = line[2..].Trim();
                continue;
            }
            if (!inFence && line.StartsWith("## ", StringComparison.Ordinal))
            {
                var name = line[3..].Trim();
                if (!Sections.Contains(name, StringComparer.OrdinalIgnoreCase))
                    problems.Add($"unknown section '## {name}' (allowed: {string.Join(", ", Sections)})");
                if (sections.ContainsKey(name)) problems.Add($"section '## {name}' appears twice");
                section = sections[name] = new() { ("", new List<string>()) };
                continue;
            }
            if (!inFence && line.StartsWith("### ", StringComparison.Ordinal) && section is not null)
            {
                section.Add((line[4..].Trim(), new List<string>()));
                continue;
            }
            section?[^1].Lines.Add(raw);
        }

        string Text(string name) => sections.TryGetValue(name, out var s) ? Join(s.SelectMany(x => x.Lines)) : "";
        IEnumerable<(string Heading, List<string> Lines)> Subsections(string name) =>
            sections.TryGetValue(name, out var s) ? s.Skip(1) : Enumerable.Empty<(string, List<string>)>();

        var parameters = new List<ParameterDoc>();
        foreach (var (heading, lines) in Subsections("Parameters"))
        {
            var name = heading.Trim();
            if (!name.StartsWith('-')) problems.Add($"parameter heading '### {heading}' must be '### -Name'");
            parameters.Add(new ParameterDoc(name.TrimStart('-'), Join(lines)));
        }

        var examples = Subsections("Examples").Select(x => ParseExample(x.Heading, x.Lines, problems)).ToList();

        return new CmdletDoc(
            file,
            title,
            Text("Synopsis"),
            Text("Description"),
            parameters,
            examples,
            Subsections("Inputs").Select(x => new TypeDoc(x.Heading, Join(x.Lines))).ToList(),
            Subsections("Outputs").Select(x => new TypeDoc(x.Heading, Join(x.Lines))).ToList(),
            Text("Notes"),
            Text("Related Links").Split('\n').Select(ParseLink).OfType<LinkDoc>().ToList(),
            problems);
    }

    private static ExampleDoc ParseExample(string heading, List<string> lines, List<string> problems)
    {
        var match = ExampleHeading().Match(heading);
        if (!match.Success) problems.Add($"example heading '### {heading}' must be '### Example N: <title>'");
        var code = new List<string>();
        var remarks = new List<string>();
        var fences = 0;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { fences++; continue; }
            // The first fenced block is the example's code; everything else explains it.
            (fences == 1 ? code : remarks).Add(line);
        }
        return new ExampleDoc(match.Success ? match.Groups["title"].Value.Trim() : heading, Join(code, keepIndent: true), Join(remarks));
    }

    /// <summary>"- [Get-Deployment](Get-Deployment.md)" or "- [Deployments](../deployment.md)".</summary>
    private static LinkDoc? ParseLink(string line)
    {
        var match = LinkLine().Match(line.Trim());
        return match.Success ? new LinkDoc(match.Groups["text"].Value.Trim(), match.Groups["target"].Value.Trim()) : null;
    }

    private static string Join(IEnumerable<string> lines, bool keepIndent = false)
    {
        var text = string.Join('\n', lines.Select(l => keepIndent ? l.TrimEnd() : l.Trim()));
        return text.Trim('\n', ' ');
    }

    [GeneratedRegex(@"^Example \d+:\s*(?<title>.+)$")]
    private static partial Regex ExampleHeading();

    [GeneratedRegex(@"^[-*]\s*\[(?<text>[^\]]+)\]\((?<target>[^)]*)\)")]
    private static partial Regex LinkLine();
}
