using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Maintenance;

/// <summary>The <c>maintenance:</c> section of deployops.yaml.</summary>
public sealed class MaintenanceSettings
{
    internal static MaintenanceSettings Read(ConfigMap? map)
    {
        map?.Finish();
        return new MaintenanceSettings();
    }
}
