using System.Text.Json;

namespace DeployOps.Hosting.Tests;

/// <summary>
/// The staged module in a runspace hosted by an application (DeployOps.HostedRunner, a child process that references
/// the PowerShell SDK only): binding, pipelines, ShouldProcess, error records and help, as a host sees them.
/// </summary>
public sealed class HostedRunspaceTests
{
    private static JsonElement Run(string script) => Staged.Runner("run", Staged.ModulePsd1(), script);

    private static List<JsonElement> Output(JsonElement r) => r.GetProperty("output").EnumerateArray().ToList();
    private static List<JsonElement> Errors(JsonElement r) => r.GetProperty("errors").EnumerateArray().ToList();

    private static void NoErrors(JsonElement r)
    {
        Assert.True(r.GetProperty("importError").ValueKind == JsonValueKind.Null, r.ToString());
        Assert.True(r.GetProperty("terminating").ValueKind == JsonValueKind.Null, r.ToString());
        Assert.True(Errors(r).Count == 0, r.ToString());
    }

    private static string Prop(JsonElement item, string name) => item.GetProperty("properties").GetProperty(name).GetString() ?? "";

    [Fact]
    public void Binds_named_parameters()
    {
        using var dir = new TempDir();
        var yaml = dir.Write("deployops.yaml", ProbeYaml.Valid);
        var r = Run($"Test-DeploymentConfig -Path {Staged.Quote(yaml)}; Test-DeploymentConfig -Path {Staged.Quote(yaml)} -Quiet");
        NoErrors(r);
        var output = Output(r);
        Assert.Equal(2, output.Count);
        Assert.Contains("DeployOps.Engine.Configuration.DeploymentConfig", output[0].GetProperty("typeNames").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("probe", Prop(output[0], "Application"));
        Assert.Equal(yaml, Prop(output[0], "FilePath"));
        Assert.Equal("True", output[1].GetProperty("text").GetString());
    }

    [Fact]
    public void Binds_the_configuration_from_the_pipeline()
    {
        using var dir = new TempDir();
        var yaml = dir.Write("deployops.yaml", ProbeYaml.FlagFileMaintenance);
        var r = Run($"""
            Test-DeploymentConfig {Staged.Quote(yaml)} | Get-MaintenanceMode
            Get-Item {Staged.Quote(yaml)} | Test-DeploymentConfig -Quiet
            """);
        NoErrors(r);
        var output = Output(r);
        Assert.Equal(2, output.Count);
        Assert.Contains(output[0].GetProperty("typeNames").EnumerateArray(), t => t.GetString()!.EndsWith("MaintenanceState", StringComparison.Ordinal));
        Assert.Equal("Off", Prop(output[0], "Status"));
        Assert.Equal("True", output[1].GetProperty("text").GetString()); // FileInfo binds by its FullName alias
    }

    [Fact]
    public void Reads_deployment_state_from_an_empty_state_directory()
    {
        using var dir = new TempDir();
        var yaml = Staged.Quote(dir.Write("deployops.yaml", ProbeYaml.FlagFileMaintenance));
        var r = Run($"Get-Deployment -Path {yaml}; @(Get-DeploymentHistory -Path {yaml}).Count");
        NoErrors(r);
        var output = Output(r);
        Assert.Equal("0", output[^1].GetProperty("text").GetString());
        Assert.Equal(2, output.Count);
        Assert.Contains(output[0].GetProperty("typeNames").EnumerateArray(), t => t.GetString()!.EndsWith("DeploymentStatus", StringComparison.Ordinal));
    }

    [Fact]
    public void WhatIf_reports_the_change_and_makes_none()
    {
        using var dir = new TempDir();
        var yaml = dir.Write("deployops.yaml", ProbeYaml.FlagFileMaintenance);
        var r = Run($"Enter-MaintenanceMode -Path {Staged.Quote(yaml)} -Reason hosted -WhatIf; (Get-MaintenanceMode -Path {Staged.Quote(yaml)}).Status");
        NoErrors(r);
        var host = r.GetProperty("host").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.True(host.Any(l => l.StartsWith("What if:", StringComparison.Ordinal)), r.ToString());
        Assert.False(File.Exists(Path.Combine(dir.Path, "MAINTENANCE_MODE")), "-WhatIf created the flag file");
        Assert.Equal("Off", Output(r)[^1].GetProperty("text").GetString());
    }

    [Fact]
    public void Broken_yaml_is_ConfigInvalid_InvalidData_targeting_the_file()
    {
        using var dir = new TempDir();
        var yaml = dir.Write("deployops.yaml", ProbeYaml.Broken);
        var r = Run($"Test-DeploymentConfig -Path {Staged.Quote(yaml)}; Test-DeploymentConfig -Path {Staged.Quote(yaml)} -Quiet");
        var errors = Errors(r);
        Assert.NotEmpty(errors);
        foreach (var error in errors)
        {
            Assert.StartsWith("ConfigInvalid,", error.GetProperty("fullyQualifiedErrorId").GetString());
            Assert.Equal("InvalidData", error.GetProperty("category").GetString());
            // The target is the problem itself (a ConfigError), shown as <file>:<line>:<column>: <message>.
            Assert.StartsWith(yaml + ":", error.GetProperty("targetObject").GetString());
        }
        Assert.Equal("False", Output(r).Single().GetProperty("text").GetString());
    }

    [Fact]
    public void Missing_file_is_a_clear_error_naming_it()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nowhere", "deployops.yaml");
        var r = Run($"Test-DeploymentConfig -Path {Staged.Quote(missing)}; Get-MaintenanceMode -Path {Staged.Quote(missing)}");
        var errors = Errors(r);
        Assert.Equal(2, errors.Count);
        foreach (var error in errors)
        {
            Assert.StartsWith("ConfigNotFound,", error.GetProperty("fullyQualifiedErrorId").GetString());
            Assert.Equal("ObjectNotFound", error.GetProperty("category").GetString());
            Assert.Contains(missing, error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public void Get_Help_describes_each_cmdlet()
    {
        var r = Run("""
            foreach ($c in Get-Command -Module DeployOps) { $h = Get-Help $c.Name; [pscustomobject]@{ Command = $c.Name; Help = $h.Name } }
            """);
        NoErrors(r);
        var output = Output(r);
        Assert.True(output.Count >= 18, r.ToString());
        foreach (var item in output) Assert.Equal(Prop(item, "Command"), Prop(item, "Help"));
    }
}
