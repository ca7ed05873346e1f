using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Health.Resources;

/// <summary>
/// <c>health.resources</c>: whose CPU and memory the cpuPercent and memoryPercent rules judge. One of
/// <c>pidFile</c> (the process it names and its descendants) or <c>process</c> (every process of that name and their
/// descendants).
/// </summary>
internal sealed record ResourceSettings(string? PidFile, string? Process)
{
    /// <summary>What is measured, for messages: "pid file /run/app.pid", "process 'shop'".</summary>
    public string Describe => PidFile is not null ? "pid file " + PidFile : $"process '{Process}'";

    /// <summary>Null when the key is absent; errors (named by key, at its line) for none or both.</summary>
    public static ResourceSettings? Read(ConfigMap? map, string baseDirectory)
    {
        if (map is null) return null;
        var pidFile = map.String("pidFile");
        var process = map.String("process");
        if ((pidFile is null) == (process is null)) map.ErrorHere("give one of pidFile: (the application's pid file) or process: (a process name)");
        foreach (var (key, value) in new[] { ("pidFile", pidFile), ("process", process) })
            if (value is { Length: 0 }) map.Error(key, $"{key}: must not be empty");
        map.Finish();
        // A missing pid file is evidence missing at run time (the application may write it later), not a config error.
        if (pidFile is { Length: > 0 } && !Path.IsPathRooted(pidFile)) pidFile = Path.GetFullPath(Path.Combine(baseDirectory, pidFile));
        return new ResourceSettings(pidFile, process);
    }
}
