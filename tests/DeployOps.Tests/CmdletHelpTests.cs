using System.Xml.Linq;
using DeployOps.HelpGen;

namespace DeployOps.Tests;

/// <summary>
/// The help sources in docs/cmdlets cover every cmdlet and parameter (the same check the build runs), and the
/// check really catches gaps.
/// </summary>
public sealed class CmdletHelpTests
{
    private static readonly IReadOnlyList<CmdletShape> Cmdlets =
        CmdletShape.ReadAll(typeof(DeployOps.Commands.InvokeDeploymentCommand).Assembly);

    private static string DocsDirectory => Path.Combine(CmdletSurfaceTests.RepositoryRoot(), "docs", "cmdlets");

    [Fact]
    public void Every_cmdlet_and_parameter_has_help()
    {
        var problems = HelpCheck.Problems(Cmdlets, HelpCheck.LoadDocs(DocsDirectory), DocsDirectory);
        Assert.True(problems.Count == 0, "help is incomplete:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void Every_exported_cmdlet_is_read_by_the_generator()
    {
        var exported = CmdletSurfaceTests.ManifestList("CmdletsToExport").Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(exported, Cmdlets.Select(c => c.Name).Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_missing_parameter_description_is_reported_with_file_cmdlet_and_parameter()
    {
        var cmdlet = Cmdlets.Single(c => c.Name == "Invoke-Deployment");
        var doc = HelpCheck.LoadDocs(DocsDirectory).Single(d => d.Title == "Invoke-Deployment");
        var withoutVersion = doc with { Parameters = doc.Parameters.Where(p => p.Name != "Version").ToList() };

        var problems = HelpCheck.Problems(new[] { cmdlet }, new[] { withoutVersion }, DocsDirectory);

        var problem = Assert.Single(problems);
        Assert.Contains("Invoke-Deployment.md", problem);
        Assert.Contains("-Version", problem);
    }

    [Fact]
    public void Unknown_parameters_missing_files_and_too_few_examples_are_reported()
    {
        const string markdown = """
            # Get-MaintenanceMode
            ## Synopsis
            Reports maintenance.
            ## Description
            Reads every mechanism.
            ## Parameters
            ### -Path
            The file.
            ### -Config
            A configuration.
            ### -Verbosely
            Not a parameter.
            ## Examples
            ### Example 1: Only one
            ```powershell
            Get-MaintenanceMode
            ```
            ## Related Links
            - [Enter-MaintenanceMode](Enter-MaintenanceMode.md)
            """;
        var doc = CmdletDoc.Parse("Get-MaintenanceMode.md", markdown);
        var shapes = Cmdlets.Where(c => c.Name is "Get-MaintenanceMode" or "Exit-MaintenanceMode").ToList();

        var problems = HelpCheck.Problems(shapes, new[] { doc }, "docs/cmdlets");

        Assert.Contains(problems, p => p.Contains("-Verbosely") && p.Contains("does not have"));
        Assert.Contains(problems, p => p.Contains("1 example"));
        Assert.Contains(problems, p => p.Contains("Exit-MaintenanceMode.md") && p.Contains("missing"));
    }

    [Fact]
    public void Generated_help_has_one_syntax_item_per_parameter_set_and_describes_every_parameter()
    {
        var docs = HelpCheck.LoadDocs(DocsDirectory);
        var pairs = Cmdlets.Select(c => (c, docs.Single(d => d.Title == c.Name))).ToList();
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        XNamespace maml = "http://schemas.microsoft.com/maml/2004/10";

        var xml = MamlWriter.Write(pairs, CmdletSurfaceTests.RepositoryRoot());

        foreach (var (cmdlet, element) in Cmdlets.Zip(xml.Root!.Elements(command + "command")))
        {
            Assert.Equal(cmdlet.Name, element.Element(command + "details")!.Element(command + "name")!.Value);
            Assert.Equal(cmdlet.ParameterSets.Count, element.Element(command + "syntax")!.Elements(command + "syntaxItem").Count());
            foreach (var parameter in element.Element(command + "parameters")!.Elements(command + "parameter"))
                Assert.False(string.IsNullOrWhiteSpace(parameter.Element(maml + "description")!.Value),
                    $"{cmdlet.Name} -{parameter.Element(maml + "name")!.Value} has no description in the MAML");
        }
    }

    [Fact]
    public void Parameter_sets_come_from_the_compiled_cmdlet()
    {
        var rollback = Cmdlets.Single(c => c.Name == "Invoke-Rollback");
        Assert.Equal(new[] { "Config", "ConfigDeploymentId", "ConfigToVersion", "Path", "PathDeploymentId", "PathToVersion" },
            rollback.ParameterSets.Order(StringComparer.Ordinal));
        var config = Cmdlets.Single(c => c.Name == "Get-MaintenanceMode").Parameters.Single(p => p.Name == "Config");
        var use = Assert.Single(config.Sets);
        Assert.True(use is { SetName: "Config", Mandatory: true, ByValue: true });
    }
}
