namespace DeployOps.Engine.Checks;

/// <summary>The verdict of one pre-deployment check.</summary>
public enum CheckStatus
{
    /// <summary>The check found what it needs.</summary>
    Passed,
    /// <summary>The check found something to look at that does not block the deployment (it does with
    /// Test-PreDeployment -Strict).</summary>
    Warning,
    /// <summary>The check failed or timed out: the deployment is blocked.</summary>
    Failed,
    /// <summary>The check did not finish because the operator cancelled the run (Ctrl+C); it neither passed nor
    /// failed.</summary>
    Skipped,
}
