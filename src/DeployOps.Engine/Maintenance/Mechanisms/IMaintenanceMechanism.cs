namespace DeployOps.Engine.Maintenance.Mechanisms;

/// <summary>What one mechanism reports about itself.</summary>
internal sealed record MechanismReading(MechanismStatus Status, string Detail, MaintenanceInfo? Info = null);

/// <summary>
/// One way of telling the world the application is in maintenance. Enter and Exit are idempotent; Read never
/// throws for "off" (a missing file or key), only for "cannot tell" (which callers turn into Unknown).
/// </summary>
internal interface IMaintenanceMechanism
{
    /// <summary>FlagFile, Redis or Nginx.</summary>
    string Name { get; }
    /// <summary>What it acts on, for ShouldProcess, audit lines and messages (a path, a key, an include file).</summary>
    string Target { get; }
    Task<MechanismReading> ReadAsync(CancellationToken cancellationToken);
    Task EnterAsync(MaintenanceInfo info, CancellationToken cancellationToken);
    Task ExitAsync(CancellationToken cancellationToken);
}
