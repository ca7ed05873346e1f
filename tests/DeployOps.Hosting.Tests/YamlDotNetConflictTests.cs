namespace DeployOps.Hosting.Tests;

/// <summary>
/// Another module (or a script) may load its own, older YamlDotNet into PowerShell's default context, before or
/// after DeployOps. Ours (18.x) lives in DeployOps.Dependencies, so both work side by side in either order.
/// </summary>
public sealed class YamlDotNetConflictTests
{
    private static string OldYamlDotNet()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "old-yamldotnet", "YamlDotNet.dll");
        Assert.True(File.Exists(path), $"{path} missing (the test project copies YamlDotNet 13.1.1 there on build)");
        return path;
    }

    private const string UseOld = """
        $deserializer = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build()
        $parsed = $deserializer.Deserialize[System.Collections.Generic.Dictionary[string, object]]('answer: 42')
        $oldAnswer = $parsed['answer']
        $oldVersion = [YamlDotNet.Serialization.DeserializerBuilder].Assembly.GetName().Version.ToString()
        """;

    private static string Report => """
        '<<<DEPLOYOPS-JSON'
        [pscustomobject]@{
            Before = $before; After = $after; OldAnswer = $oldAnswer; OldVersion = $oldVersion
            Yaml = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'YamlDotNet' } |
                ForEach-Object { '{0}@{1}' -f $_.GetName().Version, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name })
        } | ConvertTo-Json
        'DEPLOYOPS-JSON>>>'
        """;

    [Fact]
    public void Older_YamlDotNet_loaded_first_does_not_break_DeployOps()
    {
        using var dir = new TempDir();
        var yaml = Staged.Quote(dir.Write("deployops.yaml", ProbeYaml.Valid));
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Add-Type -Path {{Staged.Quote(OldYamlDotNet())}}
            {{UseOld}}
            Import-Module {{Staged.Quote(Staged.ModulePsd1())}}
            $before = (Test-DeploymentConfig -Path {{yaml}}).Application
            $after = Test-DeploymentConfig -Path {{yaml}} -Quiet
            {{Report}}
            """;
        Check(Staged.PwshJson(script), expectAfter: "True");
    }

    [Fact]
    public void Older_YamlDotNet_loaded_after_DeployOps_works_and_so_does_DeployOps()
    {
        using var dir = new TempDir();
        var yaml = Staged.Quote(dir.Write("deployops.yaml", ProbeYaml.Valid));
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Import-Module {{Staged.Quote(Staged.ModulePsd1())}}
            $before = (Test-DeploymentConfig -Path {{yaml}}).Application
            Add-Type -Path {{Staged.Quote(OldYamlDotNet())}}
            {{UseOld}}
            $after = (Test-DeploymentConfig -Path {{yaml}}).Application
            {{Report}}
            """;
        Check(Staged.PwshJson(script), expectAfter: "probe");
    }

    private static void Check(System.Text.Json.JsonElement result, string expectAfter)
    {
        Assert.Equal("probe", result.GetProperty("Before").GetString());
        Assert.Equal(expectAfter, result.GetProperty("After").ToString());
        Assert.Equal("42", result.GetProperty("OldAnswer").ToString());
        Assert.StartsWith("13.", result.GetProperty("OldVersion").GetString());
        var yaml = result.GetProperty("Yaml").EnumerateArray().Select(e => e.GetString()!).Order().ToList();
        Assert.Equal(2, yaml.Count);
        Assert.Contains(yaml, y => y.StartsWith("13.", StringComparison.Ordinal) && y.EndsWith("@Default", StringComparison.Ordinal));
        Assert.Contains(yaml, y => y.StartsWith("18.", StringComparison.Ordinal) && y.EndsWith("@DeployOps.Dependencies", StringComparison.Ordinal));
    }
}
