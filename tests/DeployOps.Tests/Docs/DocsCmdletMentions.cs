using System.Text.RegularExpressions;
using DeployOps.HelpGen;

namespace DeployOps.Tests.Docs;

/// <summary>
/// Finds DeployOps cmdlet names and their parameters in the code of markdown docs (inline code spans and fenced
/// blocks) and reports every name that is no cmdlet and every -Parameter the named cmdlet does not have, as
/// "file:line: problem". Prose is not read: there a "-Word" after a cmdlet name is not necessarily its parameter.
/// </summary>
public static partial class DocsCmdletMentions
{
    /// <summary>Common parameters PowerShell adds to every cmdlet (and the two of ShouldProcess cmdlets, checked apart).</summary>
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    };

    // A name shaped like ours: any verb, a noun of the DeployOps families.
    [GeneratedRegex(@"(?<![\w-])([A-Z][a-z]+)-((?:Pre)?Deployment[A-Za-z]*|Maintenance[A-Za-z]*|Rollback)(?![\w-])")]
    private static partial Regex CmdletName();

    // A parameter token: whitespace or '[' before, a name, then whitespace, ':', ']' or the end.
    [GeneratedRegex(@"(?<=[\s\[])-([A-Za-z][A-Za-z0-9]*)(?=[\s:\]]|$)")]
    private static partial Regex ParameterToken();

    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex CodeSpan();

    public static IReadOnlyList<string> Problems(string file, string markdown, IReadOnlyList<CmdletShape> cmdlets)
    {
        var byName = cmdlets.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var (line, code) in CodeOf(markdown))
        {
            var names = CmdletName().Matches(code);
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i].Value;
                if (!byName.TryGetValue(name, out var cmdlet))
                {
                    problems.Add($"{file}:{line}: {name} is not a DeployOps cmdlet");
                    continue;
                }
                var end = i + 1 < names.Count ? names[i + 1].Index : code.Length;
                foreach (Match parameter in ParameterToken().Matches(ArgumentsOf(code[(names[i].Index + name.Length)..end])))
                {
                    var p = parameter.Groups[1].Value;
                    if (!Accepts(cmdlet, p)) problems.Add($"{file}:{line}: {name} has no parameter -{p}");
                }
            }
        }
        return problems;
    }

    /// <summary>The text after a cmdlet name up to where its arguments end: a pipe, ';', a bracket or brace.</summary>
    private static string ArgumentsOf(string rest)
    {
        var stop = rest.Length;
        for (var i = 0; i < rest.Length; i++)
        {
            var c = rest[i];
            // "\|" is a table's escaped pipe between alternatives ([-Strategy A\|B]), not a pipeline.
            if ((c == '|' && (i == 0 || rest[i - 1] != '\\')) || c is ';' or '(' or ')' or '{' or '}')
            {
                stop = i;
                break;
            }
        }
        return rest[..stop];
    }

    private static bool Accepts(CmdletShape cmdlet, string parameter) =>
        Common.Contains(parameter)
        || (cmdlet.SupportsShouldProcess && CmdletShape.RiskParameters.Contains(parameter, StringComparer.OrdinalIgnoreCase))
        || cmdlet.Parameters.Any(p => string.Equals(p.Name, parameter, StringComparison.OrdinalIgnoreCase)
            || p.Aliases.Contains(parameter, StringComparer.OrdinalIgnoreCase));

    /// <summary>Each line of a fenced block, and each inline code span elsewhere, with its line number.</summary>
    private static IEnumerable<(int Line, string Code)> CodeOf(string markdown)
    {
        var lines = markdown.Split('\n');
        var fenced = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].TrimEnd('\r');
            if (text.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }
            if (fenced) yield return (i + 1, text);
            else foreach (Match span in CodeSpan().Matches(text)) yield return (i + 1, span.Groups[1].Value);
        }
    }
}
