using System.Text.Json;

namespace DeployOps.Hosting.Tests;

/// <summary>A fresh, real pwsh imports the staged module and runs cmdlets that need the engine.</summary>
public sealed class PwshImportTests
{
    private static readonly string[] Isolated = ["DeployOps.Engine", "Npgsql", "YamlDotNet", "StackExchange.Redis"];

    /// <summary>Every loaded assembly (name, version, load context, location) as JSON between the markers.</summary>
    internal const string DumpAssemblies = """
        $assemblies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic } | ForEach-Object {
            [pscustomobject]@{
                Name     = $_.GetName().Name
                Version  = $_.GetName().Version.ToString()
                Context  = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                Location = $_.Location
            }
        }
        """;

    [Fact]
    public void Import_runs_the_engine_in_its_own_context_and_loads_nothing_twice()
    {
        using var dir = new TempDir();
        var yaml = dir.Write("deployops.yaml", ProbeYaml.Valid);
        // A postgres check against a closed port: Npgsql really opens a connection (and so loads its diagnostics
        // and logging dependencies) without any server.
        var checks = dir.Write("checks/deployops.yaml",
            "application: probe\nenvironment: test\npostgres:\n  url: postgres://app@127.0.0.1:1/shop\n  connectTimeout: 1s\nchecks:\n  - name: database\n    kind: postgres\n");
        var psd1 = Staged.ModulePsd1();
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Import-Module {{Staged.Quote(psd1)}}
            $config = Test-DeploymentConfig -Path {{Staged.Quote(yaml)}}
            $null = Test-PreDeployment -Path {{Staged.Quote(checks)}} -ErrorAction SilentlyContinue
            # Cmdlets that talk to Redis load StackExchange.Redis; resolve every staged dependency through the module's
            # context exactly as the engine's references would be, so each one's context is checked here.
            $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'DeployOps.Dependencies'
            foreach ($dll in Get-ChildItem (Join-Path (Split-Path {{Staged.Quote(psd1)}}) 'Dependencies') -Filter *.dll) {
                $null = $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new($dll.BaseName))
            }
            {{DumpAssemblies}}
            '<<<DEPLOYOPS-JSON'
            [pscustomobject]@{ Application = $config.Application; PSHOME = $PSHOME; Assemblies = @($assemblies) } | ConvertTo-Json -Depth 4
            'DEPLOYOPS-JSON>>>'
            """;
        var result = Staged.PwshJson(script);

        Assert.Equal("probe", result.GetProperty("Application").GetString());
        var psHome = result.GetProperty("PSHOME").GetString()!;
        var assemblies = result.GetProperty("Assemblies").EnumerateArray().Select(Loaded.From).ToList();
        var report = string.Join("\n", assemblies.Where(a => !a.Location.StartsWith(psHome, StringComparison.Ordinal) || a.Name.StartsWith("DeployOps", StringComparison.Ordinal)));

        Assert.Equal("Default", Single(assemblies, "DeployOps").Context);
        Assert.Equal("Default", Single(assemblies, "DeployOps.Contracts").Context);
        foreach (var name in Isolated)
            Assert.True(Single(assemblies, name).Context == "DeployOps.Dependencies", $"{name}: {Single(assemblies, name)}");

        var twice = assemblies.GroupBy(a => a.Name).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(" | ", g)}").ToList();
        Assert.True(twice.Count == 0, "Loaded twice:\n" + string.Join("\n", twice));

        // What PowerShell (or the framework it runs on) ships comes from there, in the default context.
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (var name in new[] { "System.Diagnostics.DiagnosticSource", "Microsoft.Extensions.Logging.Abstractions" })
        {
            var loaded = assemblies.SingleOrDefault(a => a.Name == name);
            if (loaded is null) continue;
            var shipped = File.Exists(Path.Combine(psHome, name + ".dll")) || File.Exists(Path.Combine(framework, name + ".dll"));
            if (shipped)
                Assert.True(loaded.Context == "Default", $"{name} should come from PowerShell's copy: {loaded}\n{report}");
            else
                Assert.True(loaded.Context == "DeployOps.Dependencies", $"PowerShell does not ship {name}; the module's copy should be isolated: {loaded}");
        }
    }

    [Fact]
    public void Import_works_again_with_Force_and_after_Remove_Module()
    {
        using var dir = new TempDir();
        var yaml = dir.Write("deployops.yaml", ProbeYaml.Valid);
        var psd1 = Staged.Quote(Staged.ModulePsd1());
        var test = $"(Test-DeploymentConfig -Path {Staged.Quote(yaml)}).Application";
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Import-Module {{psd1}}
            $first = {{test}}
            Import-Module {{psd1}} -Force
            $forced = {{test}}
            Remove-Module DeployOps
            $removed = [bool](Get-Command Test-DeploymentConfig -ErrorAction SilentlyContinue)
            Import-Module {{psd1}}
            $again = {{test}}
            {{DumpAssemblies}}
            '<<<DEPLOYOPS-JSON'
            [pscustomobject]@{ First = $first; Forced = $forced; Removed = $removed; Again = $again
                Engines = @($assemblies | Where-Object Name -eq 'DeployOps.Engine').Count } | ConvertTo-Json
            'DEPLOYOPS-JSON>>>'
            """;
        var result = Staged.PwshJson(script);
        Assert.Equal("probe", result.GetProperty("First").GetString());
        Assert.Equal("probe", result.GetProperty("Forced").GetString());
        Assert.False(result.GetProperty("Removed").GetBoolean());
        Assert.Equal("probe", result.GetProperty("Again").GetString());
        Assert.Equal(1, result.GetProperty("Engines").GetInt32());
    }

    private static Loaded Single(List<Loaded> assemblies, string name)
    {
        var matches = assemblies.Where(a => a.Name == name).ToList();
        Assert.True(matches.Count == 1, $"{name} loaded {matches.Count} times: {string.Join(" | ", matches)}");
        return matches[0];
    }

    internal sealed record Loaded(string Name, string Version, string Context, string Location)
    {
        public static Loaded From(JsonElement e) => new(
            e.GetProperty("Name").GetString()!, e.GetProperty("Version").GetString()!,
            e.GetProperty("Context").GetString() ?? "(unnamed)", e.GetProperty("Location").GetString() ?? "");
    }
}
