using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies.Steps;

namespace DeployOps.Engine.Tests.Support;

/// <summary>Step tests share one shape: two slots, the steps under test, and one phase run through the real StepRunner.</summary>
internal static class SlotSteps
{
    public static (ConfigModel Config, TempConfig Temp) Load(string stepsYaml, string extra = "", Func<string, string?>? env = null)
    {
        var temp = new TempConfig($"""
            application: shop
            environment: test
            {extra}
            deployment:
              slots:
                blue: {"{"} port: 5001 {"}"}
                green: {"{"} port: 5002 {"}"}
              steps:
            {stepsYaml}
            """);
        return (ConfigLoader.Load(temp.Path, env), temp);
    }

    public static async Task RunPhaseAsync(ConfigModel config, string phase, StepContext context, string? logPath = null)
    {
        using var log = new DeploymentLog(logPath, config.Redactor);
        var runner = new StepRunner(config, log);
        foreach (var step in config.Deployment.StepsFor(phase)) await runner.RunAsync(phase, step, context, CancellationToken.None);
    }

    /// <summary>The hostile values an injection test feeds every substitution site: each would create <paramref name="pwned"/>.</summary>
    public static IReadOnlyList<string> HostileValues(string pwned) => new[]
    {
        $"1.0;touch {pwned}",
        $"$(touch {pwned})",
        $"`touch {pwned}`",
        $"1.0\ntouch {pwned}",
        $"\"; touch {pwned}; \"",
        $"'; touch {pwned}; '",
    };
}
