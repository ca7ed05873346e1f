using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks;

/// <summary>
/// Runs a configuration through the real loader and <see cref="PreDeploymentRunner"/> exactly as Test-PreDeployment
/// does, so results are timed out, redacted and audited like the operator's.
/// </summary>
internal static class OneCheck
{
    public const string Header = "application: shop\nenvironment: test\n";

    /// <summary>Loads <paramref name="yaml"/> (which needs no application/environment lines) and runs its checks.</summary>
    public static async Task<(CheckResult Result, ConfigModel Config, RecordingSink Sink)> RunAsync(TempConfig cfg,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var config = ConfigLoader.Load(cfg.Path, name => environment?.GetValueOrDefault(name));
        var sink = new RecordingSink();
        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), sink, CancellationToken.None);
        return (Assert.Single(report.Results), config, sink);
    }

    public static Task<(CheckResult Result, ConfigModel Config, RecordingSink Sink)> RunAsync(string yaml,
        IReadOnlyDictionary<string, string>? environment = null, Action<TempConfig>? prepare = null)
    {
        var cfg = new TempConfig(Header + yaml);
        prepare?.Invoke(cfg);
        return RunAndDisposeAsync(cfg, environment);
    }

    private static async Task<(CheckResult, ConfigModel, RecordingSink)> RunAndDisposeAsync(TempConfig cfg,
        IReadOnlyDictionary<string, string>? environment)
    {
        using (cfg) return await RunAsync(cfg, environment);
    }

    /// <summary>The configuration problems of <paramref name="yaml"/>, for factory validation tests.</summary>
    public static IReadOnlyList<ConfigError> Validate(string yaml, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var cfg = new TempConfig(Header + yaml);
        return ConfigLoader.Validate(cfg.Path, name => environment?.GetValueOrDefault(name));
    }
}
