using System.Text.RegularExpressions;
using DeployOps.Engine.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Tests.Docs;

/// <summary>
/// The docs and the code say the same thing: every ErrorId is documented and every id the docs list exists; every
/// configuration key the docs name is one the loader knows, and every key the full example uses is documented; no
/// step command shown would be rejected when it loads. Each check also proves it can fail on a made-up page.
/// </summary>
public sealed class DocsVsCodeTests
{
    private static readonly IReadOnlyList<(string Name, string Text)> Pages = DocsVsCode.Pages();

    [Fact]
    public void Every_ErrorId_the_code_defines_is_documented_and_every_listed_id_exists()
    {
        var problems = DocsVsCode.UndocumentedErrorIds(DocsVsCode.ErrorIdValues, Pages)
            .Concat(Pages.SelectMany(p => DocsVsCode.UnknownListedErrorIds(p.Name, p.Text, DocsVsCode.ErrorIdValues)))
            .ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Contains("BaselineUnreadable", DocsVsCode.ErrorIdValues);
    }

    [Fact]
    public void An_undocumented_id_and_a_listed_id_the_code_lacks_are_reported()
    {
        var page = ("docs/x.md", "# X\n## Error ids\n| `DeploymentLocked` | held |\n| `DeploymentLockd` | typo |\nProse `AlsoMissing`.\n## Other\n`NotAnId` here\n");

        var unknown = DocsVsCode.UnknownListedErrorIds(page.Item1, page.Item2, DocsVsCode.ErrorIdValues).ToList();
        var undocumented = DocsVsCode.UndocumentedErrorIds(new[] { "DeploymentLocked", "BaselineUnreadable" }, new[] { page }).ToList();

        Assert.Equal(new[]
        {
            "docs/x.md:4: `DeploymentLockd` is listed as an error id but the code defines no such ErrorId",
            "docs/x.md:5: `AlsoMissing` is listed as an error id but the code defines no such ErrorId",
        }, unknown);
        Assert.Equal(new[] { "ErrorIds.BaselineUnreadable is documented on no page of docs/" }, undocumented);
    }

    public static IEnumerable<object[]> DocumentedDeploymentKeys()
    {
        var keys = DocsVsCode.TableKeys(DocExamples.Read("deployment.md"), "Configuration (`deployment:`)")
            .Select(k => ("docs/deployment.md", k.Line, k.Key)).ToList();
        foreach (var (name, text) in Pages)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
                foreach (Match m in Regex.Matches(lines[i], @"`deployment\.([A-Za-z0-9_.<>\[\]]+)`"))
                    keys.Add((name, i + 1, Regex.Replace(m.Groups[1].Value, @"\[\d+\]", "[]")));
        }
        Assert.Contains(keys, k => k.Item3 == "canary.gate.use");
        return keys.Select(k => new object[] { k.Item1, k.Item2, k.Item3 });
    }

    [Theory]
    [MemberData(nameof(DocumentedDeploymentKeys))]
    public void Every_documented_deployment_key_is_one_the_loader_knows(string page, int line, string key)
    {
        var errors = DocsVsCode.UnknownKeyErrors("deployment", key);
        Assert.True(errors.Count == 0, $"{page}:{line}: deployment.{key} is documented but the loader rejects it:\n" + string.Join('\n', errors));
    }

    [Fact]
    public void A_documented_key_the_loader_does_not_know_is_caught()
    {
        Assert.NotEmpty(DocsVsCode.UnknownKeyErrors("deployment", "hooks.backup"));
        Assert.NotEmpty(DocsVsCode.UnknownKeyErrors("deployment", "canary.gate.usee"));
        Assert.NotEmpty(DocsVsCode.UnknownKeyErrors("deployment", "instances[].hostname"));
        Assert.Empty(DocsVsCode.UnknownKeyErrors("deployment", "instances[].port"));
    }

    [Fact]
    public void Every_deployment_key_of_the_full_example_is_documented()
    {
        var documented = DocumentedDeploymentKeys().Select(k => (string)k[2]).ToHashSet(StringComparer.Ordinal);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RepositoryPaths.Examples("deployops.yaml"))));
        var deployment = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("deployment")];
        var used = DocsVsCode.KeyPaths(deployment, "", new HashSet<string> { "slots", "steps" }).ToList();

        var missing = used.Where(k => !documented.Contains(k) && !documented.Any(d => d.StartsWith(k + ".", StringComparison.Ordinal)))
            .Select(k => k.StartsWith("steps.", StringComparison.Ordinal) ? "steps.<phase>" : k)
            .Where(k => !documented.Contains(k)).Distinct().ToList();
        Assert.True(missing.Count == 0, "examples/deployops.yaml uses deployment keys no docs page documents: " + string.Join(", ", missing));
        Assert.Contains("canary.gate.use", used);
    }

    public static IEnumerable<object[]> YamlSources() =>
        Pages.Select(p => p.Name)
            .Concat(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "examples"), "*.yaml", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f)))
            .Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(YamlSources))]
    public void No_yaml_shown_writes_a_shell_variable_as_a_bare_reference(string source)
    {
        var problems = DocsVsCode.BareShellReferences(source, File.ReadAllText(Path.Combine(RepositoryPaths.Root, source))).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void A_step_with_HOME_written_bare_is_reported_and_the_escaped_and_secret_forms_are_not()
    {
        const string page = "# Steps\n```yaml\nsteps:\n  start:\n    - command: cd ${HOME} && ./run   # ${COMMENTED} is fine\n    - command: cd $${HOME}; echo $PATH\n" +
            "    - sql: SELECT '${env:TOKEN}', '${file:secret.txt}'\n```\nProse ${NOT_YAML}.\n";

        var problems = DocsVsCode.BareShellReferences("docs/steps.md", page).ToList();

        var problem = Assert.Single(problems);
        Assert.StartsWith("docs/steps.md:5: '${HOME}' is read as a secret reference and rejected; a shell variable is written $${HOME} or $HOME", problem);
    }
}
