namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>An interrupted deployment changed the application and was neither resumed nor rolled back; a new one is refused (unless -Force).</summary>
    public const string InterruptedDeploymentPending = "InterruptedDeploymentPending";
    /// <summary>The interrupted run was a rollback: Resume-Deployment would deploy the undone version again; Invoke-Rollback finishes it.</summary>
    public const string RollbackInterrupted = "RollbackInterrupted";
}
