using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks.Support;

/// <summary>
/// Runs checks exactly as Test-PreDeployment does: a deployops.yaml in a temp folder, loaded by the real loader
/// and run by the real runner (timeouts, redaction, audit) into a recording sink.
/// </summary>
internal sealed class ConfiguredCheck : IDisposable
{
    private readonly TempConfig _config;

    /// <param name="checksYaml">The items of the <c>checks:</c> list, indented by two spaces.</param>
    /// <param name="extraYaml">Top-level sections placed before <c>checks:</c> (e.g. <c>endpoints:</c>).</param>
    public ConfiguredCheck(string checksYaml, string extraYaml = "")
    {
        _config = new TempConfig($"application: shop\nenvironment: production\n{extraYaml}\nchecks:\n{checksYaml}\n");
    }

    public string Directory => _config.Directory;
    public string ConfigPath => _config.Path;
    public RecordingSink Sink { get; } = new();

    public IReadOnlyList<ConfigError> Validate() => ConfigLoader.Validate(_config.Path);

    public async Task<PreDeploymentReport> RunAllAsync()
    {
        var config = ConfigLoader.Load(_config.Path);
        return await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), Sink, CancellationToken.None);
    }

    /// <summary>Runs a configuration holding one check and returns its result.</summary>
    public async Task<CheckResult> RunSingleAsync() => Assert.Single((await RunAllAsync()).Results);

    /// <summary>Runs a one-check configuration given as a checks item.</summary>
    public static async Task<CheckResult> RunAsync(string checksYaml, string extraYaml = "")
    {
        using var check = new ConfiguredCheck(checksYaml, extraYaml);
        return await check.RunSingleAsync();
    }

    /// <summary>Single-quotes a value for YAML (paths, URLs).</summary>
    public static string Q(string value) => "'" + value.Replace("'", "''") + "'";

    public string AuditText()
    {
        var path = Path.Combine(_config.Directory, ".deployops", "audit.jsonl");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public void Dispose() => _config.Dispose();
}
