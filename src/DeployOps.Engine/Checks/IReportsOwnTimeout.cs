namespace DeployOps.Engine.Checks;

/// <summary>
/// A check that, when its token fires at the timeout, returns a Fail of its own with what it saw (the command check:
/// the tail of the output) instead of throwing; the runner waits a moment for it rather than reporting a bare timeout.
/// </summary>
internal interface IReportsOwnTimeout
{
}
