using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Strategies;

/// <summary>The <c>deployment:</c> section of deployops.yaml.</summary>
public sealed class DeploymentSettings
{
    internal static DeploymentSettings Read(ConfigMap? map)
    {
        map?.Finish();
        return new DeploymentSettings();
    }
}
