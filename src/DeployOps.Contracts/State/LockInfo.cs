namespace DeployOps.Engine.State;

/// <summary>Who holds (or held) the one-deployment-at-a-time lock of an application/environment.</summary>
public sealed class LockInfo
{
    internal LockInfo(string application, string environment, string deploymentId, string owner, string host,
        int processId, DateTimeOffset acquired, string location, string? staleReason)
    {
        Application = application;
        Environment = environment;
        DeploymentId = deploymentId;
        Owner = owner;
        Host = host;
        ProcessId = processId;
        Acquired = acquired;
        Location = location;
        StaleReason = staleReason;
    }

    /// <summary>The application name (application: in deployops.yaml).</summary>
    public string Application { get; }
    /// <summary>The environment name (environment: in deployops.yaml).</summary>
    public string Environment { get; }
    /// <summary>The deployment that holds the lock.</summary>
    public string DeploymentId { get; }
    /// <summary>The operator who started the deployment.</summary>
    public string Owner { get; }
    /// <summary>The machine the holder runs on.</summary>
    public string Host { get; }
    /// <summary>The holder's process id on <see cref="Host"/>.</summary>
    public int ProcessId { get; }
    /// <summary>When the lock was taken.</summary>
    public DateTimeOffset Acquired { get; }
    /// <summary>How long the lock has been held, by this machine's clock.</summary>
    public TimeSpan Age => DateTimeOffset.UtcNow - Acquired;
    /// <summary>The lock file, or the PostgreSQL database, that holds it.</summary>
    public string Location { get; }
    /// <summary>Set when the holder is provably gone (dead process on this host, or older than lockTtl).</summary>
    public string? StaleReason { get; }
    /// <summary>True when <see cref="StaleReason"/> is set: Unlock-Deployment -Force may break the lock.</summary>
    public bool IsStale => StaleReason is not null;

    /// <summary>"deployment X by alice@web1 (pid 123) since 10:00:00Z".</summary>
    public string Describe() =>
        $"deployment {DeploymentId} by {Owner}@{Host} (pid {ProcessId}) since {Acquired:yyyy-MM-dd HH:mm:ss}Z" +
        (IsStale ? $" — stale: {StaleReason}" : "");

    internal LockInfo WithStaleReason(string? reason) =>
        new(Application, Environment, DeploymentId, Owner, Host, ProcessId, Acquired, Location, reason);

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <summary>The same line as <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();
}
