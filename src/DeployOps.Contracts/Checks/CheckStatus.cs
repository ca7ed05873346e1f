namespace DeployOps.Engine.Checks;

public enum CheckStatus
{
    Passed,
    Warning,
    Failed,
    Skipped,
}
