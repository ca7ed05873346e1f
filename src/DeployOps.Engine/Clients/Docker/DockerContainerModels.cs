namespace DeployOps.Engine.Clients.Docker;

/// <summary>GET /containers/json entry.</summary>
internal sealed record DockerContainerSummary(string Id, IReadOnlyList<string>? Names, string Image, string? ImageID,
    long Created, string State, string? Status, IReadOnlyDictionary<string, string>? Labels)
{
    /// <summary>The container's name without Docker's leading slash.</summary>
    public string Name => Names is { Count: > 0 } n ? n[0].TrimStart('/') : Id[..12];
    public IReadOnlyDictionary<string, string> LabelMap => Labels ?? new Dictionary<string, string>();
}

/// <summary>GET /containers/{id}/json.</summary>
internal sealed record DockerContainerInspect(string Id, string Name, string Image, string? Created, int RestartCount,
    DockerContainerState State, DockerContainerConfig? Config, DockerHostConfig? HostConfig)
{
    /// <summary>Name without the leading slash Docker adds.</summary>
    public string ShortName => Name.TrimStart('/');
    /// <summary>healthy, unhealthy or starting; null when the container has no healthcheck.</summary>
    public string? HealthStatus => State.Health?.Status is { Length: > 0 } s && s != "none" ? s : null;
}

internal sealed record DockerContainerState(string Status, bool Running, bool Paused, bool Restarting, bool OOMKilled, bool Dead,
    int Pid, int ExitCode, string? Error, string? StartedAt, string? FinishedAt, DockerHealth? Health);

internal sealed record DockerHealth(string Status, int FailingStreak, IReadOnlyList<DockerHealthLogEntry>? Log);

internal sealed record DockerHealthLogEntry(string? Start, string? End, int ExitCode, string? Output);

internal sealed record DockerContainerConfig(string? Image, IReadOnlyList<string>? Env, IReadOnlyList<string>? Cmd,
    IReadOnlyList<string>? Entrypoint, IReadOnlyDictionary<string, string>? Labels, DockerHealthcheckJson? Healthcheck, bool Tty);

internal sealed record DockerHostConfig(string? NetworkMode, DockerRestartPolicyJson? RestartPolicy, long Memory, long NanoCpus);

/// <summary>Healthcheck as the API spells it: durations in nanoseconds.</summary>
internal sealed record DockerHealthcheckJson(IReadOnlyList<string>? Test, long Interval, long Timeout, int Retries, long StartPeriod);

internal sealed record DockerRestartPolicyJson(string Name, int MaximumRetryCount);

/// <summary>POST /containers/create answer.</summary>
internal sealed record DockerCreateResponse(string Id, IReadOnlyList<string>? Warnings);

/// <summary>One line of a container's log, with the stream it came from.</summary>
internal sealed record DockerLogLine(DockerLogStream Stream, string Text);

internal enum DockerLogStream
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}
