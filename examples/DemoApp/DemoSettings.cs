namespace DeployOps.DemoApp;

/// <summary>Per-instance settings from the environment (DEMO_*) or command-line (--Demo:Version=…).</summary>
public sealed record DemoSettings(string Version, string Instance, string? MaintenanceFlag, double ErrorRate, int LatencyMs,
    double LeakMbPerMinute, int SimulatedConnections, double ConnectionDecayPerSecond)
{
    public static DemoSettings FromEnvironment(IConfiguration configuration)
    {
        // Demo:MaintenanceFlag on the command line, DEMO_MAINTENANCE_FLAG in the environment.
        string? Get(string name) => configuration[$"Demo:{name}"] ??
            Environment.GetEnvironmentVariable("DEMO_" + System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z])([A-Z])", "_$1").ToUpperInvariant());
        double Number(string name) => double.TryParse(Get(name), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;
        return new DemoSettings(
            Get("Version") ?? "1.0.0",
            Get("Instance") ?? Environment.MachineName,
            Get("MaintenanceFlag"),
            Number("ErrorRate"),
            (int)Number("LatencyMs"),
            Number("LeakMbPerMinute"),
            (int)Number("Connections"),
            Number("ConnectionDecay"));
    }
}
