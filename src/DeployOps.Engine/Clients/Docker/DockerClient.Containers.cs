using System.Globalization;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Clients.Docker;

internal sealed partial class DockerClient
{
    /// <summary>GET /containers/json filtered by labels ("key" or "key=value"); <paramref name="all"/> includes stopped ones.</summary>
    public Task<IReadOnlyList<DockerContainerSummary>> ListContainersAsync(IReadOnlyDictionary<string, string?> labels, bool all, CancellationToken ct)
    {
        var label = labels.Select(l => l.Value is null ? l.Key : $"{l.Key}={l.Value}").ToArray();
        var filters = label.Length == 0 ? null : FiltersJson(("label", label));
        return GetJsonAsync<IReadOnlyList<DockerContainerSummary>>("containers/json" + Query(("all", Flag(all)), ("filters", filters)),
            "list containers on", Endpoint.Display, ErrorScope.Daemon, ct);
    }

    /// <summary>POST /containers/create on the host network. DockerImageNotFound when the image is not local; DockerConflict when the name is taken.</summary>
    public async Task<DockerCreateResponse> CreateContainerAsync(DockerContainerSpec spec, CancellationToken ct)
    {
        var body = new CreateBody(
            spec.Image,
            spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            spec.Command,
            spec.Entrypoint,
            spec.Labels,
            spec.Healthcheck is { } h
                ? new DockerHealthcheckJson(h.Test, Nanoseconds(h.Interval), Nanoseconds(h.Timeout), h.Retries, Nanoseconds(h.StartPeriod))
                : null,
            spec.StopTimeout is { } stop ? (int)Math.Ceiling(stop.TotalSeconds) : null,
            spec.User,
            spec.WorkingDirectory,
            new CreateHostConfig("host",
                new DockerRestartPolicyJson(RestartPolicyName(spec.RestartPolicy), spec.RestartPolicy == DockerRestartPolicy.OnFailure ? spec.RestartMaxRetries : 0),
                spec.MemoryBytes ?? 0,
                spec.Cpus is { } cpus ? (long)(cpus * 1e9) : 0));
        var target = spec.Name ?? spec.Image;
        using var response = await SendAsync(HttpMethod.Post, "containers/create" + Query(("name", spec.Name)), JsonBody(body),
            "create container", target, ErrorScope.Image, ct).ConfigureAwait(false);
        return await ReadJsonAsync<DockerCreateResponse>(response, "create container", target, ct).ConfigureAwait(false);
    }

    /// <summary>POST /containers/{id}/start; starting a running container is not an error.</summary>
    public async Task StartContainerAsync(string container, CancellationToken ct)
    {
        using var _ = await SendAsync(HttpMethod.Post, $"containers/{Escape(container)}/start", null, "start container", container,
            ErrorScope.Container, ct).ConfigureAwait(false);
    }

    /// <summary>POST /containers/{id}/stop: SIGTERM, then SIGKILL after <paramref name="timeout"/>. Stopping a stopped container is not an error.</summary>
    public async Task StopContainerAsync(string container, TimeSpan timeout, CancellationToken ct)
    {
        var seconds = ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        using var _ = await SendAsync(HttpMethod.Post, $"containers/{Escape(container)}/stop" + Query(("t", seconds)), null,
            "stop container", container, ErrorScope.Container, ct).ConfigureAwait(false);
    }

    /// <summary>DELETE /containers/{id}; force kills a running container first. Anonymous volumes go with it.</summary>
    public async Task RemoveContainerAsync(string container, bool force, CancellationToken ct)
    {
        using var _ = await SendAsync(HttpMethod.Delete, $"containers/{Escape(container)}" + Query(("force", Flag(force)), ("v", "1")), null,
            "remove container", container, ErrorScope.Container, ct).ConfigureAwait(false);
    }

    /// <summary>GET /containers/{id}/json, including State.Health.</summary>
    public Task<DockerContainerInspect> InspectContainerAsync(string container, CancellationToken ct) =>
        GetJsonAsync<DockerContainerInspect>($"containers/{Escape(container)}/json", "inspect container", container, ErrorScope.Container, ct);

    /// <summary>The container, or null when there is none by that name or id.</summary>
    public async Task<DockerContainerInspect?> TryInspectContainerAsync(string container, CancellationToken ct)
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

    /// <summary>GET /containers/{id}/logs: the last <paramref name="tail"/> lines of stdout and stderr, demultiplexed.</summary>
    public async Task<IReadOnlyList<DockerLogLine>> LogsAsync(string container, int tail, CancellationToken ct)
    {
        var query = Query(("stdout", "1"), ("stderr", "1"), ("tail", tail.ToString(CultureInfo.InvariantCulture)));
        using var response = await SendAsync(HttpMethod.Get, $"containers/{Escape(container)}/logs" + query, null, "read the logs of container",
            container, ErrorScope.Container, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return await DockerLogDemultiplexer.ReadAsync(stream, ct).ConfigureAwait(false);
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
    }

    /// <summary>
    /// Polls until the container's healthcheck settles (healthy or unhealthy), the container stops running, or
    /// <paramref name="timeout"/> passes; returns the last inspection either way so callers decide what it means.
    /// </summary>
    public async Task<DockerContainerInspect> WaitForHealthAsync(string container, TimeSpan timeout, TimeSpan pollInterval, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var state = await InspectContainerAsync(container, ct).ConfigureAwait(false);
            if (!state.State.Running || state.HealthStatus is "healthy" or "unhealthy" or null || DateTime.UtcNow >= deadline) return state;
            await Task.Delay(pollInterval, ct).ConfigureAwait(false);
        }
    }

    private static long Nanoseconds(TimeSpan value) => value.Ticks * 100;

    private static string RestartPolicyName(DockerRestartPolicy policy) => policy switch
    {
        DockerRestartPolicy.Always => "always",
        DockerRestartPolicy.UnlessStopped => "unless-stopped",
        DockerRestartPolicy.OnFailure => "on-failure",
        _ => "no",
    };

    private sealed record CreateBody(string Image, IReadOnlyList<string> Env, IReadOnlyList<string>? Cmd, IReadOnlyList<string>? Entrypoint,
        IReadOnlyDictionary<string, string> Labels, DockerHealthcheckJson? Healthcheck, int? StopTimeout, string? User, string? WorkingDir,
        CreateHostConfig HostConfig);

    private sealed record CreateHostConfig(string NetworkMode, DockerRestartPolicyJson RestartPolicy, long Memory, long NanoCpus);
}
