using System.Text.RegularExpressions;

namespace DeployOps.Tests;

/// <summary>
/// about_DeployOps lists every public type of DeployOps.Contracts (the types users name in scripts) by its full name,
/// as PowerShell spells it (nested types with '+').
/// </summary>
public sealed class AboutHelpTypesTests
{
    public static IEnumerable<object[]> ContractTypes() =>
        typeof(DeployOps.Engine.Configuration.DeploymentConfig).Assembly.GetExportedTypes()
            .Select(t => new object[] { t.FullName! })
            .OrderBy(t => (string)t[0], StringComparer.Ordinal);

    [Fact]
    public void The_contracts_assembly_has_public_types() => Assert.NotEmpty(ContractTypes());

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Public_contracts_type_is_documented_in_about_DeployOps(string fullName)
    {
        var help = File.ReadAllText(Path.Combine(CmdletSurfaceTests.RepositoryRoot(), "module", "about_DeployOps.help.txt"));
        // A whole name: not merely the prefix of a longer one (SignalUnits vs SignalUnits+Unit).
        Assert.True(Regex.IsMatch(help, "(?<![\\w.+])" + Regex.Escape(fullName) + "(?![\\w+])"),
            $"{fullName} is public in DeployOps.Contracts but missing from module/about_DeployOps.help.txt (TYPES)");
    }
}
