using DeployOps.Engine.Hosting;
using DeployOps.Engine.Timing;
using Docker.DotNet.Models;

namespace DeployOps.Engine.Clients.Docker;

internal sealed partial class DockerClient
{
    /// <summary>Containers filtered by labels ("key" or "key=value"); <paramref name="all"/> includes stopped ones.</summary>
    public async Task<IReadOnlyList<ContainerListResponse>> ListContainersAsync(IReadOnlyDictionary<string, string?> labels, bool all, CancellationToken ct)
    {
        var label = labels.ToDictionary(l => l.Value is null ? l.Key : $"{l.Key}={l.Value}", _ => true);
        var parameters = new ContainersListParameters
        {
            All = all,
            Filters = label.Count == 0 ? null : new Dictionary<string, IDictionary<string, bool>> { ["label"] = label },
        };
        return (await CallAsync((api, t) => api.Containers.ListContainersAsync(parameters, t), "list containers on", Endpoint.Display,
            ErrorScope.Daemon, ct).ConfigureAwait(false)).ToList();
    }

    /// <summary>Creates a container on the host network. DockerImageNotFound when the image is not local; DockerConflict when the name is taken.</summary>
    public Task<CreateContainerResponse> CreateContainerAsync(DockerContainerSpec spec, CancellationToken ct)
    {
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Env = spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            Cmd = spec.Command?.ToList()!,
            Entrypoint = spec.Entrypoint?.ToList()!,
            Labels = spec.Labels.ToDictionary(l => l.Key, l => l.Value),
            Healthcheck = spec.Healthcheck is { } h
                ? new HealthcheckConfig { Test = h.Test.ToList(), Interval = h.Interval, Timeout = h.Timeout, Retries = h.Retries, StartPeriod = h.StartPeriod }
                : null,
            StopTimeout = spec.StopTimeout is { } stop ? TimeSpan.FromSeconds(Math.Ceiling(stop.TotalSeconds)) : null,
            User = spec.User ?? "",
            WorkingDir = spec.WorkingDirectory ?? "",
            HostConfig = new HostConfig
            {
                NetworkMode = "host",
                RestartPolicy = new RestartPolicy
                {
                    Name = RestartPolicyKind(spec.RestartPolicy),
                    MaximumRetryCount = spec.RestartPolicy == DockerRestartPolicy.OnFailure ? spec.RestartMaxRetries : 0,
                },
                Memory = spec.MemoryBytes ?? 0,
                NanoCPUs = spec.Cpus is { } cpus ? (long)(cpus * 1e9) : 0,
            },
        };
        return CallAsync((api, t) => api.Containers.CreateContainerAsync(parameters, t), "create container", spec.Name ?? spec.Image, ErrorScope.Image, ct);
    }

    /// <summary>Starts a container; starting a running container is not an error.</summary>
    public Task StartContainerAsync(string container, CancellationToken ct) =>
        CallAsync((api, t) => api.Containers.StartContainerAsync(container, null, t), "start container", container, ErrorScope.Container, ct);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="timeout"/>. Stopping a stopped container is not an error.</summary>
    public Task StopContainerAsync(string container, TimeSpan timeout, CancellationToken ct) =>
        CallAsync((api, t) => api.Containers.StopContainerAsync(container,
                new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(Math.Max(0, timeout.TotalSeconds)) }, t),
            "stop container", container, ErrorScope.Container, ct);

    /// <summary>Removes a container; force kills a running one first. Anonymous volumes go with it.</summary>
    public Task RemoveContainerAsync(string container, bool force, CancellationToken ct) =>
        CallAsync((api, t) => api.Containers.RemoveContainerAsync(container, new ContainerRemoveParameters { Force = force, RemoveVolumes = true }, t),
            "remove container", container, ErrorScope.Container, ct);

    /// <summary>
    /// Ends a crash loop: the container is stopped (which cancels a pending restart), then its restart policy becomes
    /// "no" so a daemon restart does not bring it back either. It stays, stopped, for docker logs and inspect.
    /// Returns false when only the stop worked (the daemon refused the policy change).
    /// </summary>
    public async Task<bool> EndRestartLoopAsync(string container, TimeSpan stopTimeout, CancellationToken ct)
    {
        await StopContainerAsync(container, stopTimeout, ct).ConfigureAwait(false);
        try
        {
            await CallAsync((api, t) => api.Containers.UpdateContainerAsync(container,
                new ContainerUpdateParameters { RestartPolicy = new RestartPolicy { Name = global::Docker.DotNet.Models.RestartPolicyKind.No } }, t),
                "change the restart policy of container", container, ErrorScope.Container, ct).ConfigureAwait(false);
            return true;
        }
        catch (DockerApiException)
        {
            return false;
        }
    }

    /// <summary>The container's configuration and state, including State.Health and RestartCount.</summary>
    public Task<ContainerInspectResponse> InspectContainerAsync(string container, CancellationToken ct) =>
        CallAsync((api, t) => api.Containers.InspectContainerAsync(container, t), "inspect container", container, ErrorScope.Container, ct);

    /// <summary>The container, or null when there is none by that name or id.</summary>
    public async Task<ContainerInspectResponse?> TryInspectContainerAsync(string container, CancellationToken ct)
    {
        try
        {
            return await InspectContainerAsync(container, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.DockerContainerNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The last <paramref name="tail"/> lines of stdout and of stderr (each stream's own tail; a TTY container's log is
    /// all stdout). The library demultiplexes the stream.
    /// </summary>
    public Task<IReadOnlyList<DockerLogLine>> LogsAsync(string container, int tail, CancellationToken ct) =>
        CallAsync<IReadOnlyList<DockerLogLine>>(async (api, t) =>
        {
            var parameters = new ContainerLogsParameters
            {
                ShowStdout = true, ShowStderr = true, Tail = tail.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            using var stream = await api.Containers.GetContainerLogsAsync(container, parameters, t).ConfigureAwait(false);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(t).ConfigureAwait(false);
            return Lines(DockerLogStream.Stdout, stdout).Concat(Lines(DockerLogStream.Stderr, stderr)).ToList();
        }, "read the logs of container", container, ErrorScope.Container, ct);

    /// <summary>
    /// Polls (<see cref="Poll.UntilAsync"/>) until the container's healthcheck settles (healthy or unhealthy), the
    /// container stops running or restarts (it exited: a restart policy brings it back, so "running" alone would hide a
    /// crash loop), or <paramref name="timeout"/> passes; returns the last inspection either way (at the timeout, one
    /// made at the deadline) so callers decide what it means.
    /// </summary>
    public async Task<ContainerInspectResponse> WaitForHealthAsync(string container, TimeSpan timeout, TimeSpan pollInterval, CancellationToken ct,
        TimeProvider? clock = null)
    {
        ContainerInspectResponse? last = null;
        var settled = await Poll.UntilAsync(async t =>
        {
            last = await InspectContainerAsync(container, t).ConfigureAwait(false);
            return HasExited(last) || last.HealthStatus() is "healthy" or "unhealthy" or null ? last : null;
        }, timeout, pollInterval, clock ?? TimeProvider.System, ct).ConfigureAwait(false);
        return settled ?? last!; // Poll always inspects at least once
    }

    /// <summary>Not running, restarting, or restarted at least once: the process the deployment started has exited.</summary>
    public static bool HasExited(ContainerInspectResponse state) =>
        state.State is not { Running: true, Restarting: false } || state.RestartCount > 0;

    private static IEnumerable<DockerLogLine> Lines(DockerLogStream stream, string text) =>
        text.Length == 0 ? Enumerable.Empty<DockerLogLine>()
            : text.TrimEnd('\n').Split('\n').Select(l => new DockerLogLine(stream, l.TrimEnd('\r')));

    private static RestartPolicyKind RestartPolicyKind(DockerRestartPolicy policy) => policy switch
    {
        DockerRestartPolicy.Always => global::Docker.DotNet.Models.RestartPolicyKind.Always,
        DockerRestartPolicy.UnlessStopped => global::Docker.DotNet.Models.RestartPolicyKind.UnlessStopped,
        DockerRestartPolicy.OnFailure => global::Docker.DotNet.Models.RestartPolicyKind.OnFailure,
        _ => global::Docker.DotNet.Models.RestartPolicyKind.No,
    };
}

/// <summary>One line of a container's log, with the stream it came from.</summary>
internal sealed record DockerLogLine(DockerLogStream Stream, string Text);

internal enum DockerLogStream
{
    Stdout = 1,
    Stderr = 2,
}

/// <summary>Readings of the library's inspection models that deployments share.</summary>
internal static class DockerInspectExtensions
{
    /// <summary>Name without the leading slash Docker adds.</summary>
    public static string ShortName(this ContainerInspectResponse container) => container.Name.TrimStart('/');

    /// <summary>healthy, unhealthy or starting; null when the container has no healthcheck.</summary>
    public static string? HealthStatus(this ContainerInspectResponse container) =>
        container.State?.Health?.Status is { Length: > 0 } s && s != "none" ? s : null;

    /// <summary>The container's first name without Docker's leading slash.</summary>
    public static string Name(this ContainerListResponse container) =>
        container.Names is { Count: > 0 } n ? n[0].TrimStart('/') : container.ID[..12];

    public static IReadOnlyList<string> Tags(this ImageInspectResponse image) => image.RepoTags?.ToList() ?? new List<string>();

    public static IReadOnlyList<string> Tags(this ImagesListResponse image) => image.RepoTags?.ToList() ?? new List<string>();
}
