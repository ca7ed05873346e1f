using System.Reflection;

namespace DeployOps.Tests;

/// <summary>
/// Every cmdlet that acts on a configuration has the same Path/Config sets (crossed with its own): -Path and -Config
/// never share a set, -Config is mandatory and taken from the pipeline, and piped records bind -ConfigPath by name.
/// </summary>
public sealed class ParameterSetTests
{
    private const string ParameterAttribute = "System.Management.Automation.ParameterAttribute";
    private const string AllSets = "__AllParameterSets";

    public static IEnumerable<object[]> ConfiguredCmdlets() =>
        CmdletSurfaceTests.Cmdlets().Where(c => typeof(DeployOps.Hosting.ConfiguredCmdlet).IsAssignableFrom(c.Type))
            .Select(c => new object[] { c.Type.Name });

    [Theory]
    [InlineData("GetDeploymentCommand")]
    [InlineData("GetDeploymentHistoryCommand")]
    [InlineData("WatchDeploymentHealthCommand")]
    [InlineData("UnlockDeploymentCommand")]
    [InlineData("InvokeRollbackCommand")]
    public void Cmdlet_acting_on_a_configuration_is_a_ConfiguredCmdlet(string typeName) =>
        Assert.Contains(ConfiguredCmdlets(), c => (string)c[0] == typeName);

    [Theory]
    [MemberData(nameof(ConfiguredCmdlets))]
    public void Path_and_Config_are_never_in_the_same_set_and_every_set_has_one(string typeName)
    {
        var type = CmdletSurfaceTests.Cmdlets().Single(c => c.Type.Name == typeName).Type;
        var parameters = Parameters(type);
        var sets = parameters.SelectMany(p => p.Value.Select(a => a.Set)).Where(s => s != AllSets).ToHashSet();
        Assert.Contains("Path", sets);
        Assert.Contains("Config", sets);
        foreach (var set in sets)
        {
            var inPath = parameters["Path"].Any(a => a.Set == set || a.Set == AllSets);
            var inConfig = parameters["Config"].Any(a => a.Set == set || a.Set == AllSets);
            Assert.True(inPath ^ inConfig, $"{typeName}: set '{set}' must have exactly one of -Path and -Config");
            Assert.True(set.StartsWith(inPath ? "Path" : "Config", StringComparison.Ordinal),
                $"{typeName}: set '{set}' should be named after its configuration set");
        }
        Assert.All(parameters["Config"], a => Assert.True(a.Mandatory && a.FromPipeline, $"{typeName}: -Config must be mandatory and from the pipeline in set {a.Set}"));
        Assert.All(parameters["Path"], a => Assert.Equal(0, a.Position));
        var configPath = Assert.Single(parameters["ConfigPath"]);
        Assert.Equal(AllSets, configPath.Set);
        Assert.True(configPath.FromPipelineByName);
    }

    [Theory]
    [MemberData(nameof(ConfiguredCmdlets))]
    public void Default_set_is_a_Path_set(string typeName)
    {
        var cmdlet = CmdletSurfaceTests.Cmdlets().Single(c => c.Type.Name == typeName).Attribute;
        var named = cmdlet.NamedArguments.FirstOrDefault(a => a.MemberName == "DefaultParameterSetName");
        Assert.Equal("Path", named.TypedValue.Value as string);
    }

    private sealed record Declared(string Set, bool Mandatory, bool FromPipeline, bool FromPipelineByName, int Position);

    private static Dictionary<string, List<Declared>> Parameters(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p.Name, Attributes: p.GetCustomAttributesData().Where(a => a.AttributeType.FullName == ParameterAttribute).ToList()))
            .Where(p => p.Attributes.Count > 0)
            .ToDictionary(p => p.Name, p => p.Attributes.Select(a =>
            {
                T Named<T>(string name, T fallback) =>
                    a.NamedArguments.Where(n => n.MemberName == name).Select(n => (T)n.TypedValue.Value!).DefaultIfEmpty(fallback).First();
                return new Declared(Named("ParameterSetName", AllSets), Named("Mandatory", false), Named("ValueFromPipeline", false),
                    Named("ValueFromPipelineByPropertyName", false), Named("Position", int.MinValue));
            }).ToList());
}
