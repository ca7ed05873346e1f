using DeployOps.HelpGen;

namespace DeployOps.Tests.Docs;

/// <summary>Every cmdlet and parameter the docs show in code exists: docs and code stay in step.</summary>
public sealed class DocsCmdletMentionsTests
{
    private static readonly IReadOnlyList<CmdletShape> Cmdlets =
        CmdletShape.ReadAll(typeof(DeployOps.Commands.InvokeDeploymentCommand).Assembly);

    public static IEnumerable<object[]> Documents()
    {
        var root = CmdletSurfaceTests.RepositoryRoot();
        return Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(root, "README.md"))
            .Select(f => new object[] { Path.GetRelativePath(root, f) });
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_cmdlet_and_parameter_shown_in_code_exists(string document)
    {
        var text = File.ReadAllText(Path.Combine(CmdletSurfaceTests.RepositoryRoot(), document));
        var problems = DocsCmdletMentions.Problems(document, text, Cmdlets);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_docs_show_new_parameters_such_as_RecordOnly()
    {
        var text = File.ReadAllText(Path.Combine(CmdletSurfaceTests.RepositoryRoot(), "docs", "deployment.md"));
        Assert.Contains("`Invoke-Deployment -Version <v> -RecordOnly", text);
    }

    [Fact]
    public void A_misspelt_parameter_an_unknown_cmdlet_and_a_parameter_of_another_cmdlet_are_reported_with_file_and_line()
    {
        const string markdown = """
            # Runbook
            Run `Invoke-Deployment -Versoin 2.0.0 -WhatIf` first.

            ```powershell
            Get-DeploymentBackup -Last 1 | Test-DeploymentBackup -Quiet
            Invoke-Rollback -IncludeDatabase -RecordOnly -Confirm:$false
            Remove-Deployment -Id x
            ```
            In prose, Invoke-Deployment -Anything is not read.
            """;

        var problems = DocsCmdletMentions.Problems("runbook.md", markdown, Cmdlets);

        Assert.Equal(new[]
        {
            "runbook.md:2: Invoke-Deployment has no parameter -Versoin",
            "runbook.md:6: Invoke-Rollback has no parameter -RecordOnly",
            "runbook.md:7: Remove-Deployment is not a DeployOps cmdlet",
        }, problems);
    }

    [Fact]
    public void Aliases_common_parameters_and_escaped_table_pipes_are_accepted()
    {
        const string markdown = """
            | `Invoke-Deployment -Version <v> [-Strategy BlueGreen\|Canary] [-Path] [-SkipPreChecks]` | deploys |
            `Invoke-Rollback -Id 20250101-000000-abcdef -Verbose -ErrorAction Stop -WhatIf`
            """;

        Assert.Empty(DocsCmdletMentions.Problems("table.md", markdown, Cmdlets));
    }
}
