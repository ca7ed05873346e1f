namespace DeployOps.Engine.State;

/// <summary>How a deployment ended, or that it has not (Running) or never will on its own (Interrupted).</summary>
public enum DeploymentOutcome
{
    /// <summary>Its process holds the lock and is working on it.</summary>
    Running,
    Succeeded,
    Failed,
    /// <summary>It failed or was aborted and the previous version was put back.</summary>
    RolledBack,
    /// <summary>Its process died (kill -9, lost session) or was stopped before the end: resume or roll back.</summary>
    Interrupted,
}

public enum PhaseStatus
{
    Running,
    Succeeded,
    Failed,
    Skipped,
    /// <summary>Started but its deployment was interrupted before the phase ended.</summary>
    Interrupted,
}
