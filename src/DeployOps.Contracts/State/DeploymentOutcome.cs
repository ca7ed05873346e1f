namespace DeployOps.Engine.State;

/// <summary>How a deployment ended, or that it has not (Running) or never will on its own (Interrupted).</summary>
public enum DeploymentOutcome
{
    /// <summary>Its process holds the lock and is working on it.</summary>
    Running,
    /// <summary>It completed every phase.</summary>
    Succeeded,
    /// <summary>A phase failed and the deployment stopped (see <see cref="DeploymentRecord.Error"/>); nothing was
    /// rolled back.</summary>
    Failed,
    /// <summary>It failed or was aborted and the previous version was put back.</summary>
    RolledBack,
    /// <summary>Its process died (kill -9, lost session) or was stopped before the end: resume or roll back.</summary>
    Interrupted,
}

/// <summary>How one phase of a deployment went.</summary>
public enum PhaseStatus
{
    /// <summary>The phase started and its deployment is still working on it.</summary>
    Running,
    /// <summary>The phase completed.</summary>
    Succeeded,
    /// <summary>The phase failed, which stopped the deployment (see <see cref="PhaseRecord.Detail"/>).</summary>
    Failed,
    /// <summary>The phase did not apply to this deployment (nothing to migrate, no traffic to move …) or had already
    /// run.</summary>
    Skipped,
    /// <summary>Started but its deployment was interrupted before the phase ended.</summary>
    Interrupted,
}
