using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Health;

/// <summary>The <c>health:</c> section of deployops.yaml.</summary>
public sealed class HealthSettings
{
    internal static HealthSettings Read(ConfigMap? map)
    {
        map?.Finish();
        return new HealthSettings();
    }
}
