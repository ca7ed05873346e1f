namespace DeployOps.Engine.State;

/// <summary>What is happening with an application/environment right now (Get-Deployment).</summary>
public enum DeploymentActivity
{
    /// <summary>Nothing runs and the newest deployment finished.</summary>
    Idle,
    /// <summary>A live process holds the lock.</summary>
    Running,
    /// <summary>The newest deployment died or stopped before its end: resume it or roll it back.</summary>
    Interrupted,
    /// <summary>The lock is held but its holder is provably gone: Unlock-Deployment -Force.</summary>
    StaleLock,
}

/// <summary>Get-Deployment without -Id: what is going on with an application/environment right now.</summary>
public sealed class DeploymentStatus
{
    internal DeploymentStatus(string application, string environment, string location, DeploymentActivity activity,
        LockInfo? lockInfo, DeploymentRecord? current, IReadOnlyList<DeploymentRecord> interrupted)
    {
        Application = application;
        Environment = environment;
        Location = location;
        Activity = activity;
        Lock = lockInfo;
        Current = current;
        Interrupted = interrupted;
    }

    /// <summary>The application name (application: in deployops.yaml).</summary>
    public string Application { get; }
    /// <summary>The environment name (environment: in deployops.yaml).</summary>
    public string Environment { get; }
    /// <summary>The state directory or PostgreSQL database the state was read from.</summary>
    public string Location { get; }
    /// <summary>Idle, Running, Interrupted or StaleLock.</summary>
    public DeploymentActivity Activity { get; }
    /// <summary>The lock holder, or null when the lock is free.</summary>
    public LockInfo? Lock { get; }
    /// <summary>The running deployment, else the newest one (interrupted or finished); null before the first.</summary>
    public DeploymentRecord? Current { get; }
    /// <summary>Every deployment still waiting to be resumed or rolled back, newest first.</summary>
    public IReadOnlyList<DeploymentRecord> Interrupted { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>"application/environment: activity (current deployment id)".</summary>
    public override string ToString() => $"{Application}/{Environment}: {Activity}" + (Current is null ? "" : $" ({Current.Id})");
}
