using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Health.Resources;

/// <summary>
/// <c>health.resources</c>: whose CPU and memory the cpuPercent and memoryPercent rules judge. One of
/// <c>pidFile</c> (the process it names and its descendants), <c>process</c> (every process of that name and their
/// descendants) or <c>container</c> (a Docker container, with the daemon keys of <see cref="DockerHostSettings"/>).
/// </summary>
internal sealed record ResourceSettings(string? PidFile, string? Process, string? Container = null, DockerHostSettings? Daemon = null)
{
    private static readonly string[] DaemonKeys = { "host", "tls", "insecurePlainTcp", "ssh" };

    /// <summary>What is measured, for messages: "pid file /run/app.pid", "process 'shop'", "container shop".</summary>
    public string Describe => PidFile is not null ? "pid file " + PidFile : Process is not null ? $"process '{Process}'" : "container " + Container;

    /// <summary>Null when the key is absent; errors (named by key, at its line) for none or several of the three.</summary>
    public static ResourceSettings? Read(ConfigMap? map, string baseDirectory)
    {
        if (map is null) return null;
        var pidFile = map.String("pidFile");
        var process = map.String("process");
        var container = map.String("container");
        if (new[] { pidFile, process, container }.Count(v => v is not null) != 1)
            map.ErrorHere("give one of pidFile: (the application's pid file), process: (a process name) or container: (a Docker container name or id)");
        foreach (var (key, value) in new[] { ("pidFile", pidFile), ("process", process), ("container", container) })
            if (value is { Length: 0 }) map.Error(key, $"{key}: must not be empty");
        DockerHostSettings? daemon = null;
        if (container is not null) daemon = DockerHostSettings.Read(map);
        else foreach (var key in DaemonKeys.Where(map.Has)) map.Error(key, $"{key}: is a Docker daemon setting and needs container:");
        map.Finish();
        // A missing pid file is evidence missing at run time (the application may write it later), not a config error.
        if (pidFile is { Length: > 0 } && !Path.IsPathRooted(pidFile)) pidFile = Path.GetFullPath(Path.Combine(baseDirectory, pidFile));
        return new ResourceSettings(pidFile, process, container, daemon);
    }
}
