namespace DeployOps.Engine.Clients.Docker;

/// <summary>
/// What to create a container from. Networking is always the host's (NetworkMode "host"): applications bind their
/// own ports on the host, exactly as the process-based deployments do, and no bridge or NAT is ever set up.
/// </summary>
internal sealed class DockerContainerSpec
{
    public required string Image { get; init; }
    /// <summary>Container name; null lets Docker pick one.</summary>
    public string? Name { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>Overrides the image's CMD when set.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>Overrides the image's ENTRYPOINT when set.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public DockerHealthcheck? Healthcheck { get; init; }
    public DockerRestartPolicy RestartPolicy { get; init; } = DockerRestartPolicy.No;
    /// <summary>Maximum restarts for <see cref="DockerRestartPolicy.OnFailure"/>; 0 = unlimited.</summary>
    public int RestartMaxRetries { get; init; }
    /// <summary>Memory limit in bytes; null = unlimited.</summary>
    public long? MemoryBytes { get; init; }
    /// <summary>CPU limit in cores (1.5 = one and a half); null = unlimited.</summary>
    public double? Cpus { get; init; }
    /// <summary>How long Docker waits after SIGTERM before SIGKILL when the container is stopped.</summary>
    public TimeSpan? StopTimeout { get; init; }
    public string? User { get; init; }
    public string? WorkingDirectory { get; init; }
}

internal enum DockerRestartPolicy
{
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

/// <summary>A container healthcheck. <see cref="Test"/> is Docker's form: ["CMD", argv…] or ["CMD-SHELL", "command"].</summary>
internal sealed record DockerHealthcheck(IReadOnlyList<string> Test, TimeSpan Interval, TimeSpan Timeout, int Retries,
    TimeSpan StartPeriod = default)
{
    /// <summary>Runs a program directly (no shell needed in the image).</summary>
    public static DockerHealthcheck Exec(IReadOnlyList<string> argv, TimeSpan interval, TimeSpan timeout, int retries, TimeSpan startPeriod = default) =>
        new(new[] { "CMD" }.Concat(argv).ToList(), interval, timeout, retries, startPeriod);

    /// <summary>Runs a command through /bin/sh -c inside the container.</summary>
    public static DockerHealthcheck Shell(string command, TimeSpan interval, TimeSpan timeout, int retries, TimeSpan startPeriod = default) =>
        new(new[] { "CMD-SHELL", command }, interval, timeout, retries, startPeriod);
}
