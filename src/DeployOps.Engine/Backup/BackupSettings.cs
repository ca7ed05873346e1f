using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Backup;

/// <summary>The <c>backup:</c> section of deployops.yaml.</summary>
public sealed class BackupSettings
{
    internal static BackupSettings Read(ConfigMap? map)
    {
        map?.Finish();
        return new BackupSettings();
    }
}
