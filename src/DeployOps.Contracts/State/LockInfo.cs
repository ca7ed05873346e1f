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

    public string Application { get; }
    public string Environment { get; }
    public string DeploymentId { get; }
    /// <summary>The operator who started the deployment.</summary>
    public string Owner { get; }
    public string Host { get; }
    public int ProcessId { get; }
    public DateTimeOffset Acquired { get; }
    public TimeSpan Age => DateTimeOffset.UtcNow - Acquired;
    /// <summary>The lock file, or the PostgreSQL database, that holds it.</summary>
    public string Location { get; }
    /// <summary>Set when the holder is provably gone (dead process on this host, or older than lockTtl).</summary>
    public string? StaleReason { get; }
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

    public override string ToString() => Describe();
}
