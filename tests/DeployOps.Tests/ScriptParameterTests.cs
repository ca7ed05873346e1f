using System.Reflection;
using System.Text.RegularExpressions;

namespace DeployOps.Tests;

/// <summary>
/// The runbooks in examples/ and the Pester suites call our cmdlets; PowerShell is not here to run them, so at least
/// every named parameter they pass must exist on the cmdlet (or be a common parameter), as the admin would type it.
/// </summary>
public sealed partial class ScriptParameterTests
{
    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };

    [GeneratedRegex(@"(?<![\w-])(?<verb>[A-Z][a-z]+)-(?<noun>[A-Z][A-Za-z]+)\b(?<rest>[^|;)}\r\n]*)")]
    private static partial Regex Invocation();

    [GeneratedRegex(@"(?<![\w$-])-(?<name>[A-Za-z][A-Za-z]*)(?=[\s:]|$)")]
    private static partial Regex NamedParameter();

    public static IEnumerable<object[]> Scripts() =>
        new[] { "examples", Path.Combine("tests", "pester") }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(CmdletSurfaceTests.RepositoryRoot(), dir), "*.ps1", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => new object[] { Path.GetRelativePath(CmdletSurfaceTests.RepositoryRoot(), f) });

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Scripts_pass_only_parameters_our_cmdlets_have(string script)
    {
        var cmdlets = CmdletSurfaceTests.Cmdlets().ToDictionary(c => $"{c.Verb}-{c.Noun}", c => Parameters(c.Type), StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        var lines = File.ReadAllLines(Path.Combine(CmdletSurfaceTests.RepositoryRoot(), script));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.StartsWith('#')) continue;
            foreach (Match call in Invocation().Matches(lines[i]))
            {
                var name = $"{call.Groups["verb"].Value}-{call.Groups["noun"].Value}";
                if (!cmdlets.TryGetValue(name, out var parameters)) continue;
                foreach (Match p in NamedParameter().Matches(call.Groups["rest"].Value))
                {
                    var given = p.Groups["name"].Value;
                    if (CommonParameters.Contains(given)) continue;
                    var matches = parameters.Where(x => x.StartsWith(given, StringComparison.OrdinalIgnoreCase)).ToList();
                    if (!parameters.Contains(given, StringComparer.OrdinalIgnoreCase) && matches.Count != 1)
                        problems.Add($"{script}:{i + 1}: {name} has no parameter -{given}");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static HashSet<string> Parameters(Type cmdlet) =>
        cmdlet.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute"))
            .SelectMany(p => new[] { p.Name }.Concat(p.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                .SelectMany(a => a.ConstructorArguments)
                .SelectMany(arg => arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> many ? many.Select(m => (string)m.Value!) : new[] { (string)arg.Value! })))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
