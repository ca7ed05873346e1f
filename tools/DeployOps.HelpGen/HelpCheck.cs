namespace DeployOps.HelpGen;

/// <summary>
/// What makes the help incomplete: every problem names the markdown file and the cmdlet (and parameter), so a
/// failed build says exactly which text to write.
/// </summary>
public static class HelpCheck
{
    public const int MinimumExamples = 2;

    /// <summary>Reads every docs/cmdlets/*.md (README.md aside) and pairs it with its cmdlet.</summary>
    public static IReadOnlyList<CmdletDoc> LoadDocs(string docsDirectory) =>
        Directory.GetFiles(docsDirectory, "*.md")
            .Where(f => !Path.GetFileName(f).Equals("README.md", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(CmdletDoc.Load)
            .ToList();

    public static IReadOnlyList<string> Problems(IReadOnlyList<CmdletShape> cmdlets, IReadOnlyList<CmdletDoc> docs, string docsDirectory)
    {
        var problems = new List<string>();
        var byName = docs.ToDictionary(d => Path.GetFileNameWithoutExtension(d.File), StringComparer.OrdinalIgnoreCase);

        foreach (var cmdlet in cmdlets)
        {
            if (!byName.TryGetValue(cmdlet.Name, out var doc))
            {
                problems.Add($"{Path.Combine(docsDirectory, cmdlet.Name + ".md")}: missing: cmdlet {cmdlet.Name} has no help file");
                continue;
            }
            problems.AddRange(Problems(cmdlet, doc).Select(p => $"{doc.File}: {cmdlet.Name}: {p}"));
        }

        var known = cmdlets.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var doc in docs.Where(d => !known.Contains(Path.GetFileNameWithoutExtension(d.File))))
            problems.Add($"{doc.File}: no cmdlet {Path.GetFileNameWithoutExtension(doc.File)} exists (renamed or removed?)");
        return problems;
    }

    public static IEnumerable<string> Problems(CmdletShape cmdlet, CmdletDoc doc)
    {
        foreach (var problem in doc.FormatProblems) yield return problem;
        if (!string.Equals(doc.Title, cmdlet.Name, StringComparison.Ordinal))
            yield return $"the title must be '# {cmdlet.Name}' (found '# {doc.Title}')";
        if (doc.Synopsis.Length == 0) yield return "no synopsis (## Synopsis)";
        if (doc.Description.Length == 0) yield return "no description (## Description)";

        var documented = doc.Parameters.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var twice in documented.Where(g => g.Count() > 1))
            yield return $"parameter -{twice.Key} is documented {twice.Count()} times";
        foreach (var parameter in cmdlet.Parameters)
        {
            var entry = doc.Parameters.FirstOrDefault(p => p.Name.Equals(parameter.Name, StringComparison.OrdinalIgnoreCase));
            if (entry is null) yield return $"parameter -{parameter.Name} has no description (### -{parameter.Name})";
            else if (entry.Text.Length == 0) yield return $"parameter -{parameter.Name} has an empty description";
        }
        // -WhatIf/-Confirm need no entry (the generator describes them) but may have one where they mean more.
        foreach (var entry in doc.Parameters.Where(p => !cmdlet.Parameters.Any(c => c.Name.Equals(p.Name, StringComparison.OrdinalIgnoreCase))))
            if (!(cmdlet.SupportsShouldProcess && CmdletShape.RiskParameters.Contains(entry.Name, StringComparer.OrdinalIgnoreCase)))
                yield return $"documents parameter -{entry.Name}, which {cmdlet.Name} does not have";

        if (doc.Examples.Count < MinimumExamples)
            yield return $"has {doc.Examples.Count} example(s); at least {MinimumExamples} are required";
        foreach (var example in doc.Examples.Where(e => e.Code.Length == 0))
            yield return $"example '{example.Title}' has no ```powershell code block";
        if (doc.Links.Count == 0) yield return "no related links (## Related Links with '- [text](target)' lines)";
    }

}
