namespace DeployOps.Hosting.Tests;

/// <summary>
/// PowerShell enumerates DeployOps.dll's exported types (and reads cmdlet parameter metadata) BEFORE it calls
/// IModuleAssemblyInitializer.OnImport, where our resolver for DeployOps.Engine is registered. So nothing public in
/// DeployOps.dll may need the engine to be laid out: an engine value type (e.g. an engine enum as `Foo?` parameter)
/// made Import-Module fail with "Could not load file or assembly 'DeployOps.Engine'". This replays that in a child
/// process on the staged DeployOps.dll with Dependencies/ off the probing path and without the initializer.
/// </summary>
public sealed class TypeLayoutBeforeImportTests
{
    [Fact]
    public void Exported_types_and_cmdlet_parameters_load_without_the_engine()
    {
        var result = Staged.Runner("layout", Staged.ModuleDirectory());

        var failures = result.GetProperty("failures").EnumerateArray()
            .Select(f => $"{f.GetProperty("type").GetString()}.{f.GetProperty("member").GetString()}: {f.GetProperty("error").GetString()}")
            .ToList();
        Assert.True(failures.Count == 0,
            "Public types of DeployOps.dll need another assembly before OnImport (move the type to DeployOps.Contracts):\n" + string.Join("\n", failures));

        var engineRequests = result.GetProperty("unresolved").EnumerateArray().Select(e => e.GetString()!)
            .Where(n => n.StartsWith("DeployOps.Engine", StringComparison.Ordinal)).ToList();
        Assert.True(engineRequests.Count == 0, "DeployOps.Engine was requested while enumerating types: " + string.Join(", ", engineRequests));
        Assert.DoesNotContain("DeployOps.Engine", result.GetProperty("loaded").EnumerateArray().Select(e => e.GetString()));

        // Not vacuous: it really walked every cmdlet and its parameters.
        var cmdlets = result.GetProperty("cmdlets").EnumerateArray().ToList();
        Assert.True(cmdlets.Count >= 18, $"only {cmdlets.Count} cmdlets found");
        var enter = cmdlets.Single(c => c.GetProperty("name").GetString() == "Enter-MaintenanceMode");
        Assert.Contains(enter.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "DrainTimeout");
    }
}
