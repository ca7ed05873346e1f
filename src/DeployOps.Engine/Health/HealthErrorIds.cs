namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>The health: section configures no signal source (no scrape targets, Prometheus, probes or database).</summary>
    public const string HealthNoSignals = "HealthNoSignals";
    /// <summary>-DeploymentId is not usable as a folder name.</summary>
    public const string HealthDeploymentIdInvalid = "HealthDeploymentIdInvalid";
    /// <summary>The samples file given to -Replay does not exist.</summary>
    public const string HealthReplayNotFound = "HealthReplayNotFound";
    /// <summary>A line of the samples file given to -Replay is not a recorded sample.</summary>
    public const string HealthReplayInvalid = "HealthReplayInvalid";
    /// <summary>Samples or a decision record could not be written to the state directory.</summary>
    public const string HealthRecordWriteFailed = "HealthRecordWriteFailed";
    /// <summary>The registered rollback trigger failed after a Rollback verdict.</summary>
    public const string HealthRollbackTriggerFailed = "HealthRollbackTriggerFailed";
}
