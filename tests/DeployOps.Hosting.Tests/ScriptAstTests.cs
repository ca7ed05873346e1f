using System.Management.Automation.Language;

namespace DeployOps.Hosting.Tests;

/// <summary>
/// The runbooks in examples/ and the Pester suites, read with PowerShell's own parser: they parse without errors,
/// and every call of one of our cmdlets passes only parameters that cmdlet has (names, aliases, common parameters,
/// or an unambiguous prefix — what the binder accepts), per the staged module's Get-Command.
/// </summary>
public sealed class ScriptAstTests
{
    private static readonly Lazy<Dictionary<string, string[]>> Cmdlets = new(LoadCmdlets);

    private static Dictionary<string, string[]> LoadCmdlets()
    {
        var result = Staged.Runner("run", Staged.ModulePsd1(), """
            Get-Command -Module DeployOps | ForEach-Object {
                [pscustomobject]@{ Name = $_.Name; Parameters = @($_.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases }) }
            }
            """);
        var cmdlets = result.GetProperty("output").EnumerateArray().ToDictionary(
            c => c.GetProperty("properties").GetProperty("Name").GetString()!,
            c => c.GetProperty("properties").GetProperty("Parameters").GetString()!.Split(", ", StringSplitOptions.RemoveEmptyEntries),
            StringComparer.OrdinalIgnoreCase);
        Assert.True(cmdlets.Count >= 18, result.ToString());
        return cmdlets;
    }

    public static IEnumerable<object[]> Scripts()
    {
        var root = Staged.RepositoryRoot();
        return new[] { "examples", Path.Combine("tests", "pester") }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*.ps1", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetRelativePath(root, f) });
    }

    [Fact]
    public void There_are_scripts_to_check() => Assert.True(Scripts().Count() >= 10);

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_parses_and_passes_only_parameters_our_cmdlets_have(string script)
    {
        var path = Path.Combine(Staged.RepositoryRoot(), script);
        var ast = Parser.ParseFile(path, out _, out var errors);
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{script}:{e.Extent.StartLineNumber}: {e.Message}")));

        var problems = new List<string>();
        foreach (var command in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
        {
            var name = command.GetCommandName();
            if (name is null || !Cmdlets.Value.TryGetValue(name, out var parameters)) continue;
            foreach (var parameter in command.CommandElements.OfType<CommandParameterAst>())
            {
                var given = parameter.ParameterName;
                if (parameters.Contains(given, StringComparer.OrdinalIgnoreCase)) continue;
                var prefixed = parameters.Where(p => p.StartsWith(given, StringComparison.OrdinalIgnoreCase)).ToList();
                if (prefixed.Count != 1)
                    problems.Add($"{script}:{parameter.Extent.StartLineNumber}: {name} has no parameter -{given}" +
                                 (prefixed.Count > 1 ? $" (ambiguous: {string.Join(", ", prefixed)})" : ""));
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
