using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Strategies.Docker;

/// <summary>When the image is pulled from its registry before a container is created from it.</summary>
internal enum ImagePullPolicy
{
    /// <summary>Only when the image is not present locally (default).</summary>
    Missing,
    /// <summary>Every deployment pulls (a version recorded in history still runs its recorded image id).</summary>
    Always,
    /// <summary>Never: the image must have been built or loaded on this host.</summary>
    Never,
}

/// <summary>
/// <c>deployment.docker</c>: slots and instances run as containers of one image. Text values may use
/// {app}, {version}, {previousVersion}, {slot}, {instance}, {port} and {host}.
/// </summary>
internal sealed class DockerDeploymentSettings
{
    public const string DefaultContainerName = "{app}-{instance}";

    /// <summary>Daemon address (unix://, tcp:// with tls, ssh://); null = DOCKER_HOST, else /var/run/docker.sock.</summary>
    public string? Host { get; private init; }
    /// <summary><c>insecurePlainTcp: true</c>: the explicit opt-in to plain (unauthenticated, unencrypted) tcp to a non-loopback host.</summary>
    public bool InsecurePlainTcp { get; private init; }
    /// <summary>host, tls, insecurePlainTcp and ssh as read by the one reader the docker check shares.</summary>
    internal DockerHostSettings Daemon { get; private init; } = new(null, null, false, null);
    /// <summary>Image reference template, e.g. <c>registry.local:5000/shop:{version}</c>.</summary>
    public string Image { get; private init; } = "";
    public ImagePullPolicy Pull { get; private init; } = ImagePullPolicy.Missing;
    public string ContainerName { get; private init; } = DefaultContainerName;
    /// <summary>Overrides the image's CMD when set.</summary>
    public IReadOnlyList<string>? Command { get; private init; }
    /// <summary>The command was one string, run as <c>/bin/sh -c</c> (its placeholders are quoted for sh).</summary>
    public bool CommandIsShell { get; private init; }
    public IReadOnlyDictionary<string, string> Environment { get; private init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; private init; } = new Dictionary<string, string>();
    /// <summary>Shell command run inside the container (CMD-SHELL); null keeps the image's own healthcheck, if any.</summary>
    public string? HealthCommand { get; private init; }
    public TimeSpan HealthInterval { get; private init; } = TimeSpan.FromSeconds(2);
    public TimeSpan HealthProbeTimeout { get; private init; } = TimeSpan.FromSeconds(2);
    public int HealthRetries { get; private init; } = 3;
    public TimeSpan HealthStartPeriod { get; private init; }
    /// <summary>How long DeployOps waits for the container to become healthy.</summary>
    public TimeSpan HealthTimeout { get; private init; } = TimeSpan.FromSeconds(60);
    /// <summary>no, always, unless-stopped or on-failure.</summary>
    public string Restart { get; private init; } = "unless-stopped";
    public int RestartMaxRetries { get; private init; }
    public long? MemoryBytes { get; private init; }
    public double? Cpus { get; private init; }
    public TimeSpan StopTimeout { get; private init; } = TimeSpan.FromSeconds(10);
    /// <summary>docker save of the live image into the state directory's image-backups before deploying.</summary>
    public bool ImageBackup { get; private init; }
    /// <summary>Maintain <c>repository:current</c> and <c>repository:previous</c> after a successful deployment.</summary>
    public bool OperatorTags { get; private init; } = true;
    /// <summary><c>retention</c>: which old images and image backups go (after a successful deployment and by Remove-DeploymentImage).</summary>
    internal ImageRetention? Retention { get; private init; }

    internal DockerRestartPolicy RestartPolicy => Restart switch
    {
        "always" => DockerRestartPolicy.Always,
        "unless-stopped" => DockerRestartPolicy.UnlessStopped,
        "on-failure" => DockerRestartPolicy.OnFailure,
        _ => DockerRestartPolicy.No,
    };

    internal static DockerDeploymentSettings? Read(ConfigMap? map)
    {
        if (map is null) return null;
        var daemon = DockerHostSettings.Read(map);
        var image = map.RequiredString("image");
        var restart = map.String("restart", "unless-stopped");
        if (restart is not ("no" or "always" or "unless-stopped" or "on-failure"))
            map.Error("restart", "expected no, always, unless-stopped or on-failure");
        IReadOnlyList<string>? command = map.Node("command") switch
        {
            null => null,
            YamlScalarNode => new[] { "/bin/sh", "-c", map.String("command") ?? "" },
            _ => map.StringList("command"),
        };
        var health = map.Map("healthcheck");
        var healthCommand = health?.String("command");
        if (health is not null && healthCommand is null && !health.Has("timeout")) health.ErrorHere("healthcheck needs a command (or only a timeout to wait for the image's own healthcheck)");
        var resources = map.Map("resources");
        var settings = new DockerDeploymentSettings
        {
            Host = daemon.Host,
            InsecurePlainTcp = daemon.InsecurePlainTcp,
            Daemon = daemon,
            Image = image,
            Pull = map.Enum("pull", ImagePullPolicy.Missing),
            ContainerName = map.String("containerName", DefaultContainerName),
            Command = command,
            CommandIsShell = map.Node("command") is YamlScalarNode,
            Environment = map.StringMap("env"),
            Labels = map.StringMap("labels"),
            HealthCommand = healthCommand,
            HealthInterval = health?.Duration("interval", TimeSpan.FromSeconds(2)) ?? TimeSpan.FromSeconds(2),
            HealthProbeTimeout = health?.Duration("probeTimeout", TimeSpan.FromSeconds(2)) ?? TimeSpan.FromSeconds(2),
            HealthRetries = health?.Int("retries", 3, 1, 100) ?? 3,
            HealthStartPeriod = health?.DurationOrZero("startPeriod", TimeSpan.Zero) ?? TimeSpan.Zero,
            HealthTimeout = health?.Duration("timeout", TimeSpan.FromSeconds(60)) ?? TimeSpan.FromSeconds(60),
            Restart = restart,
            RestartMaxRetries = map.Int("restartMaxRetries", 0, 0),
            MemoryBytes = resources?.OptionalSize("memory"),
            Cpus = resources?.Has("cpus") == true ? resources.Number("cpus", 1, 0.01, 1024) : null,
            StopTimeout = map.Duration("stopTimeout", TimeSpan.FromSeconds(10)),
            ImageBackup = map.Bool("imageBackup", false),
            OperatorTags = map.Bool("operatorTags", true),
            Retention = ImageRetention.Read(map.Map("retention")),
        };
        foreach (var key in settings.Labels.Keys.Where(k => k.StartsWith("deployops.", StringComparison.Ordinal)))
            map.Error("labels", $"'{key}': deployops.* labels are set by DeployOps");
        if (image.Contains('@') && image.Contains("{version}", StringComparison.Ordinal))
            map.Error("image", "a digest reference cannot hold {version}; use repository:{version}");
        health?.Finish();
        resources?.Finish();
        map.Finish();
        return settings;
    }

    /// <summary>A client for the configured daemon (host, TLS, ssh, the insecure opt-in), else DOCKER_HOST, else the default socket.</summary>
    internal DockerClient CreateClient() => Daemon.CreateClient();
}
