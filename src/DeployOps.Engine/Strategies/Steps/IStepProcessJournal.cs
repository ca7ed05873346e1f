using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Strategies.Steps;

/// <summary>
/// Where a deployment records the processes its steps start (ProcessStarted / ProcessEnded), so that after a crash
/// the next deployment, a resume or a rollback can find and end what the dead one left running.
/// </summary>
internal interface IStepProcessJournal
{
    string DeploymentId { get; }
    Task ProcessStartedAsync(string phase, string step, ChildProcessStarted started);
    Task ProcessEndedAsync(string phase, string step, ChildProcessStarted started, ChildProcessResult result);
}
