using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DeployOps.HelpGen;

/// <summary>
/// Writes PowerShell's command help schema (MAML), the format Get-Help reads from &lt;Module&gt;.dll-Help.xml:
/// structure from the compiled cmdlet, text from its markdown.
/// </summary>
public static partial class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string WhatIfText =
        "Shows what the cmdlet would change, without changing anything.";
    private const string ConfirmText =
        "Asks for confirmation before each change. -Confirm:$false suppresses the prompts (for scheduled scripts).";

    /// <param name="repositoryRoot">Page links are written relative to it (docs/health.md), as readers find them.</param>
    public static XDocument Write(IEnumerable<(CmdletShape Cmdlet, CmdletDoc Doc)> help, string repositoryRoot) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
                help.Select(h => CommandElement(h.Cmdlet, h.Doc, repositoryRoot))));

    private static XElement CommandElement(CmdletShape cmdlet, CmdletDoc doc, string repositoryRoot)
    {
        var parameters = HelpParameters(cmdlet, doc).ToList();
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                Description(doc.Synopsis)),
            Description(doc.Description),
            new XElement(Command + "syntax",
                cmdlet.ParameterSets.Select(set => new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", cmdlet.Name),
                    parameters.Where(p => p.Shape is null || p.Shape.InSet(set))
                        .OrderBy(p => p.Shape is null ? 1 : 0)
                        .ThenBy(p => p.Shape is null ? 0 : cmdlet.ParametersOf(set).ToList().IndexOf(p.Shape))
                        .Select(p => ParameterElement(p, set, inSyntax: true))))),
            new XElement(Command + "parameters", parameters.Select(p => ParameterElement(p, set: null, inSyntax: false))),
            new XElement(Command + "inputTypes", doc.Inputs.Select(t => TypeElement("inputType", t))),
            new XElement(Command + "returnValues", doc.Outputs.Select(t => TypeElement("returnValue", t))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(doc.Notes))),
            new XElement(Command + "examples", doc.Examples.Select((e, i) => new XElement(Command + "example",
                new XElement(Maml + "title", $"---------- Example {i + 1}: {e.Title} ----------"),
                new XElement(Dev + "code", e.Code),
                new XElement(Dev + "remarks", Paragraphs(e.Remarks))))),
            new XElement(Maml + "relatedLinks", doc.Links.Select(l => LinkParts(l, doc, repositoryRoot)).Select(l =>
                new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", l.Text), new XElement(Maml + "uri", l.Uri)))));
    }

    /// <summary>A parameter in help: the cmdlet's own (Shape set) or -WhatIf/-Confirm (Shape null).</summary>
    private sealed record HelpParameter(string Name, ParameterShape? Shape, string Text);

    /// <summary>The cmdlet's parameters in the markdown's order, then -WhatIf/-Confirm for ShouldProcess cmdlets.</summary>
    private static IEnumerable<HelpParameter> HelpParameters(CmdletShape cmdlet, CmdletDoc doc)
    {
        string TextOf(string name) =>
            doc.Parameters.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Text ?? "";
        int Order(ParameterShape p) =>
            doc.Parameters.ToList().FindIndex(d => d.Name.Equals(p.Name, StringComparison.OrdinalIgnoreCase)) is var i and >= 0 ? i : int.MaxValue;

        foreach (var parameter in cmdlet.Parameters.OrderBy(Order))
            yield return new HelpParameter(parameter.Name, parameter, TextOf(parameter.Name));
        if (!cmdlet.SupportsShouldProcess) yield break;
        foreach (var name in CmdletShape.RiskParameters)
        {
            var text = TextOf(name);
            yield return new HelpParameter(name, null, text.Length > 0 ? text : name == "WhatIf" ? WhatIfText : ConfirmText);
        }
    }

    /// <summary>
    /// In a syntax item the attributes are those of that parameter set; in the parameters section a parameter is
    /// required only when every set it belongs to requires it, and takes pipeline input when any set does.
    /// </summary>
    private static XElement ParameterElement(HelpParameter parameter, string? set, bool inSyntax)
    {
        var shape = parameter.Shape;
        var uses = shape is null ? Array.Empty<ParameterSetUse>()
            : set is null ? shape.Sets
            : new[] { shape.UseIn(set) };
        var required = uses.Count > 0 && uses.All(u => u.Mandatory);
        var position = uses.Select(u => u.Position).FirstOrDefault(p => p is not null);
        var typeName = shape is null ? "SwitchParameter" : TypeName(shape.Type);
        var isSwitch = shape?.IsSwitch ?? true;

        var element = new XElement(Command + "parameter",
            new XAttribute("required", Bool(required)),
            new XAttribute("variableLength", Bool(shape?.Type.IsArray ?? false)),
            new XAttribute("globbing", Bool(shape?.Globbing ?? false)),
            new XAttribute("pipelineInput", PipelineInput(uses)),
            new XAttribute("position", position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", shape is { Aliases.Count: > 0 } ? string.Join(", ", shape.Aliases) : "none"),
            new XElement(Maml + "name", parameter.Name),
            Description(parameter.Text));
        // A switch shows no value in syntax ([-Force]); elsewhere its type is still named.
        if (!(inSyntax && isSwitch))
            element.Add(new XElement(Command + "parameterValue",
                new XAttribute("required", Bool(!isSwitch)), new XAttribute("variableLength", "false"), typeName));
        if (shape is { AcceptedValues.Count: > 0 })
            element.Add(new XElement(Command + "parameterValueGroup", shape.AcceptedValues.Select(v =>
                new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
        element.Add(
            new XElement(Dev + "type", new XElement(Maml + "name", shape is null ? "System.Management.Automation.SwitchParameter" : FullTypeName(shape.Type)), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", isSwitch ? "False" : "None"));
        return element;
    }

    private static XElement TypeElement(string kind, TypeDoc type) =>
        new(Command + kind,
            new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName), new XElement(Maml + "uri")),
            Description(type.Text));

    private static string PipelineInput(IEnumerable<ParameterSetUse> uses)
    {
        var list = uses.ToList();
        var kinds = new[] { list.Any(u => u.ByValue) ? "ByValue" : null, list.Any(u => u.ByPropertyName) ? "ByPropertyName" : null }
            .OfType<string>().ToList();
        return kinds.Count == 0 ? "False" : $"True ({string.Join(", ", kinds)})";
    }

    /// <summary>
    /// Get-Help accepts only absolute URIs, so a repository page is named in the link text ("Title (docs/x.md)")
    /// and a cmdlet link is its name alone (Get-Help resolves it).
    /// </summary>
    private static (string Text, string Uri) LinkParts(LinkDoc link, CmdletDoc doc, string repositoryRoot)
    {
        if (Uri.TryCreate(link.Target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return (link.Text, link.Target);
        if (link.Target.Length == 0) return (link.Text, "");
        var folder = Path.GetDirectoryName(Path.GetFullPath(doc.File))!;
        var full = Path.GetFullPath(Path.Combine(folder, link.Target));
        if (string.Equals(Path.GetDirectoryName(full), folder, StringComparison.Ordinal)) return (link.Text, "");
        return ($"{link.Text} ({Path.GetRelativePath(repositoryRoot, full).Replace('\\', '/')})", "");
    }

    private static string TypeName(Type type) =>
        type.IsArray ? TypeName(type.GetElementType()!) + "[]" : type.Name;

    private static string FullTypeName(Type type) =>
        type.IsArray ? FullTypeName(type.GetElementType()!) + "[]" : type.FullName ?? type.Name;

    private static string Bool(bool value) => value ? "true" : "false";

    private static XElement Description(string markdown) => new(Maml + "description", Paragraphs(markdown));

    /// <summary>
    /// Markdown text as maml:para elements: one per paragraph and one per list item (Get-Help wraps each para
    /// itself), with inline markup removed because the console shows it literally.
    /// </summary>
    private static IEnumerable<XElement> Paragraphs(string markdown)
    {
        var paragraphs = new List<string>();
        var current = new List<string>();
        void Flush()
        {
            if (current.Count > 0) paragraphs.Add(string.Join(' ', current));
            current.Clear();
        }
        foreach (var line in markdown.Split('\n').Select(l => l.Trim()))
        {
            if (line.Length == 0 || line.StartsWith("```", StringComparison.Ordinal)) { Flush(); continue; }
            if (ListItem().IsMatch(line)) Flush();
            current.Add(line.StartsWith("* ", StringComparison.Ordinal) ? "- " + line[2..] : line);
        }
        Flush();
        return paragraphs.Select(p => new XElement(Maml + "para", Plain(p)));
    }

    private static string Plain(string text) =>
        InlineLink().Replace(text, "$1").Replace("**", "", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal);

    [GeneratedRegex(@"^([-*]|\d+\.)\s+")]
    private static partial Regex ListItem();

    [GeneratedRegex(@"\[([^\]]+)\]\([^)]*\)")]
    private static partial Regex InlineLink();
}
