using System.Diagnostics;
using System.Text.Json;

namespace DeployOps.Tests;

/// <summary>
/// Stages the module layout (cmdlet DLL at the root, engine and third-party DLLs under Dependencies/) and imports
/// it in a separate process the way PowerShell does: the engine, Npgsql and YamlDotNet must load in DeployOps' own
/// AssemblyLoadContext, never the default one where other modules' copies live.
/// </summary>
public sealed class DependencyIsolationTests : IDisposable
{
    private readonly string _stage = Path.Combine(Path.GetTempPath(), "deployops-stage-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public void Engine_and_dependencies_load_in_the_module_load_context()
    {
        var output = AppContext.BaseDirectory;
        var dependencies = Directory.CreateDirectory(Path.Combine(_stage, "Dependencies")).FullName;
        File.Copy(Path.Combine(output, "DeployOps.dll"), Path.Combine(_stage, "DeployOps.dll"));
        File.Copy(Path.Combine(output, "System.Management.Automation.dll"), Path.Combine(_stage, "System.Management.Automation.dll"));
        foreach (var name in new[] { "DeployOps.Engine", "Npgsql", "YamlDotNet", "StackExchange.Redis", "Microsoft.Extensions.Logging.Abstractions" })
            File.Copy(Path.Combine(output, name + ".dll"), Path.Combine(dependencies, name + ".dll"));
        var yaml = Path.Combine(_stage, "deployops.yaml");
        File.WriteAllText(yaml, "application: probe\nenvironment: test\npostgres:\n  url: postgres://app@127.0.0.1:5432/shop\n");

        var psi = new ProcessStartInfo("dotnet", $"\"{Path.Combine(output, "DeployOps.LoadProbe.dll")}\" \"{_stage}\" \"{yaml}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var probe = Process.Start(psi)!;
        var stdout = probe.StandardOutput.ReadToEnd();
        var stderr = probe.StandardError.ReadToEnd();
        Assert.True(probe.WaitForExit(60_000));
        Assert.True(probe.ExitCode == 0, stdout + stderr);

        var contexts = JsonSerializer.Deserialize<Dictionary<string, string>>(stdout.Trim())!;
        Assert.Equal("Default", contexts["DeployOps"]);
        Assert.Equal("DeployOps.Dependencies", contexts["DeployOps.Engine"]);
        Assert.Equal("DeployOps.Dependencies", contexts["Npgsql"]);
        Assert.Equal("DeployOps.Dependencies", contexts["YamlDotNet"]);
        Assert.Equal("127.0.0.1:5432/shop", contexts["postgres"]);
    }

    public void Dispose()
    {
        try { Directory.Delete(_stage, true); } catch (IOException) { }
    }
}
