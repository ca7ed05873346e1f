using System.Globalization;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Strategies.Steps;
using DeployOps.Engine.Traffic;
using YamlDotNet.RepresentationModel;

namespace DeployOps.Engine.Strategies;

/// <summary>The <c>deployment:</c> section of deployops.yaml.</summary>
internal sealed class DeploymentSettings
{
    /// <summary>The phases steps can be configured for, in the order a target is deployed.</summary>
    public static readonly IReadOnlyList<string> StepPhases = new[] { "stop", "install", "migrate", "build", "start", "smoke", "verify" };

    public DeploymentStrategy Strategy { get; private init; } = DeploymentStrategy.BlueGreen;
    public IReadOnlyList<DeploymentTarget> Slots { get; private init; } = Array.Empty<DeploymentTarget>();
    public IReadOnlyList<DeploymentTarget> Instances { get; private init; } = Array.Empty<DeploymentTarget>();
    public TrafficSettings Traffic { get; private init; } = TrafficSettings.None;
    /// <summary>Path polled on a target until it answers 2xx before its smoke steps run.</summary>
    public string ReadinessPath { get; private init; } = "/health";
    public TimeSpan ReadinessTimeout { get; private init; } = TimeSpan.FromSeconds(60);
    public TimeSpan ReadinessInterval { get; private init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Steps per phase (stop, install, migrate, build, start, smoke, verify).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<StepDefinition>> Steps { get; private init; } =
        new Dictionary<string, IReadOnlyList<StepDefinition>>();
    public CanarySettings Canary { get; private init; } = new();
    public RollingSettings Rolling { get; private init; } = new();
    /// <summary>Slots and instances run as containers (null: command steps only).</summary>
    public Docker.DockerDeploymentSettings? Docker { get; private init; }
    /// <summary>The application runs in a Kubernetes cluster (null: slots, instances and steps on hosts).</summary>
    public Kubernetes.KubernetesDeploymentSettings? Kubernetes { get; private init; }
    public bool HotfixMaintenance { get; private init; }
    /// <summary>Where deployment logs go (default: the state directory's <c>logs</c> folder).</summary>
    public string? LogDirectory { get; private init; }
    /// <summary><c>backup</c> and <c>maintenance</c>: what the standard hooks do around every deployment.</summary>
    public DeploymentHookSettings Hooks { get; private init; } = new();
    /// <summary><c>approval</c>: sign-off before deploying.</summary>
    public ApprovalSettings Approval { get; private init; } = ApprovalSettings.None;

    public bool IsConfigured => Slots.Count > 0 || Instances.Count > 0 || Kubernetes is not null;

    public IReadOnlyList<StepDefinition> StepsFor(string phase) =>
        Steps.TryGetValue(phase, out var list) ? list : Array.Empty<StepDefinition>();

    internal static DeploymentSettings Read(ConfigMap? map, string configDirectory, bool postgresConfigured,
        IReadOnlyDictionary<string, Targets.SshTarget>? hosts = null,
        IReadOnlyDictionary<string, Engine.Kubernetes.KubernetesCluster>? clusters = null, string application = "")
    {
        if (map is null) return new DeploymentSettings();
        hosts ??= new Dictionary<string, Targets.SshTarget>();
        var strategy = map.Enum("strategy", DeploymentStrategy.BlueGreen);
        var slots = map.NamedMaps("slots").Select(s => ReadTarget(s.Name, s.Map, hosts, isSlot: true)).ToList();
        var instances = new List<DeploymentTarget>();
        foreach (var item in map.MapList("instances"))
        {
            var name = item.RequiredString("name");
            instances.Add(ReadTarget(name, item, hosts));
        }
        Unique(map, "slots", slots);
        Unique(map, "instances", instances);
        if (slots.Count is not 0 and not 2) map.Error("slots", "blue-green and canary need exactly two slots (e.g. blue and green)");

        var traffic = TrafficSettings.Read(map.Map("traffic"), configDirectory);

        var readiness = map.Map("readiness");
        var readinessPath = readiness?.String("path", "/health") ?? "/health";
        var readinessTimeout = readiness?.Duration("timeout", TimeSpan.FromSeconds(60)) ?? TimeSpan.FromSeconds(60);
        var readinessInterval = readiness?.Duration("interval", TimeSpan.FromMilliseconds(500)) ?? TimeSpan.FromMilliseconds(500);
        readiness?.Finish();

        var steps = new Dictionary<string, IReadOnlyList<StepDefinition>>(StringComparer.Ordinal);
        if (map.Map("steps") is { } stepsMap)
        {
            foreach (var phase in StepPhases) steps[phase] = StepReader.ReadList(stepsMap, phase, postgresConfigured);
            stepsMap.Finish();
        }

        var canary = CanarySettings.Read(map.Map("canary"));
        var rolling = RollingSettings.Read(map.Map("rolling"));
        var hotfix = map.Map("hotfix");
        var hotfixMaintenance = hotfix?.Bool("maintenance", false) ?? false;
        hotfix?.Finish();
        var logDirectory = map.String("logDirectory");
        var docker = global::DeployOps.Engine.Strategies.Docker.DockerDeployments.AddContainerStep(map.Map("docker"), steps);
        if (docker is not null && slots.Any(sl => sl.Members.Count > 0))
            map.Error("slots", "slots on a set of hosts (targets:) run command steps over SSH; deployment.docker does not support them yet");
        var hookSettings = DeploymentHookSettings.Read(map);
        var approval = ApprovalSettings.Read(map.Map("approval"));
        var kubernetes = global::DeployOps.Engine.Strategies.Kubernetes.KubernetesDeploymentSettings.Read(map.Map("kubernetes"),
            clusters ?? new Dictionary<string, Engine.Kubernetes.KubernetesCluster>(), strategy, application);
        if (kubernetes is not null)
            foreach (var key in new[] { "slots", "instances", "docker" }.Where(map.Has))
                map.Error(key, $"{key} and kubernetes exclude each other: the cluster runs the application");
        map.Finish();

        return new DeploymentSettings
        {
            Strategy = strategy,
            Slots = slots,
            Instances = instances,
            Traffic = traffic,
            ReadinessPath = readinessPath,
            ReadinessTimeout = readinessTimeout,
            ReadinessInterval = readinessInterval,
            Steps = steps,
            Canary = canary,
            Rolling = rolling,
            HotfixMaintenance = hotfixMaintenance,
            Docker = docker,
            Kubernetes = kubernetes,
            LogDirectory = logDirectory is null ? null : Path.GetFullPath(Path.Combine(configDirectory, logDirectory)),
            Hooks = hookSettings,
            Approval = approval,
        };
    }

    private static DeploymentTarget ReadTarget(string name, ConfigMap map, IReadOnlyDictionary<string, Targets.SshTarget> hosts, bool isSlot = false)
    {
        // `target:` names the host of targets: it lives on; its address is then the default host.
        Targets.SshTarget? remote = null;
        if (map.String("target") is { } targetName && !hosts.TryGetValue(targetName, out remote))
            map.Error("target", hosts.Count == 0 ? $"'{targetName}' is not defined: this file has no targets: section"
                : $"'{targetName}' is not a target of this file (targets: {string.Join(", ", hosts.Keys)})");
        // Hosts and names go into nginx server directives, URLs, container names and paths: only their documented
        // character sets are accepted, so no value can end a directive or a URL authority.
        var host = map.String("host", remote?.Address ?? "127.0.0.1");
        if (Security.Identifiers.HostProblem(host) is { } hostProblem) map.Error("host", hostProblem);
        if (Security.Identifiers.NameProblem(name) is { } nameProblem)
        {
            if (map.Has("name")) map.Error("name", $"'{Security.Identifiers.Printable(name)}': {nameProblem}");
            else map.ErrorHere($"slot name '{Security.Identifiers.Printable(name)}': {nameProblem}");
        }
        var port = map.Int("port", 0, 1, 65535);
        if (!map.Has("port")) map.ErrorHere($"'{name}' needs a port");
        var members = isSlot ? SlotMembers(name, map, hosts, port) : Array.Empty<DeploymentTarget>();
        map.Finish();
        return new DeploymentTarget(name, members.Count > 0 ? members[0].Host : host, port) { Remote = remote, Members = members };
    }

    /// <summary>A slot on a set of hosts: <c>targets: [web1, web2]</c> (names or labels), one member per host, same port.</summary>
    private static IReadOnlyList<DeploymentTarget> SlotMembers(string slot, ConfigMap map, IReadOnlyDictionary<string, Targets.SshTarget> hosts, int port)
    {
        if (!map.Has("targets")) return Array.Empty<DeploymentTarget>();
        if (map.Has("target") || map.Has("host")) map.Error("targets", "give either targets: (a set of hosts) or target:/host:, not both");
        var selected = Checks.OnTarget.TargetSelector.Read(map, hosts);
        return selected.Select(t => new DeploymentTarget($"{slot}.{t.Name}", t.Address, port) { Remote = t }).ToList();
    }

    private static void Unique(ConfigMap map, string key, IReadOnlyList<DeploymentTarget> targets)
    {
        foreach (var duplicate in targets.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            map.Error(key, $"duplicate name '{duplicate.Key}'");
    }
}

internal enum CanaryGateKind
{
    /// <summary>The canary's health endpoint and its 5xx share (<c>maxErrorRate</c>, <c>minRequests</c>).</summary>
    HealthEndpoint,
    /// <summary>The <c>health:</c> decision matrix, as Watch-DeploymentHealth judges (error rate, p95, crashes, memory…).</summary>
    DecisionMatrix,
}

/// <summary><c>deployment.canary</c>: traffic steps, the pause and gate at each, and what inconclusive means.</summary>
internal sealed class CanarySettings
{
    public static readonly IReadOnlyList<int> DefaultSteps = new[] { 5, 25, 50, 100 };

    /// <summary>Percent of traffic on the new version at each step; the last is 100.</summary>
    public IReadOnlyList<int> Steps { get; private init; } = DefaultSteps;
    /// <summary>How long each step runs before its gate is evaluated.</summary>
    public TimeSpan Pause { get; private init; } = TimeSpan.FromMinutes(1);
    /// <summary>Health samples are taken this often during the pause.</summary>
    public TimeSpan SampleInterval { get; private init; } = TimeSpan.FromSeconds(5);
    /// <summary>The highest error rate (5xx share of the canary's requests) that passes.</summary>
    public double MaxErrorRatePercent { get; private init; } = 5;
    /// <summary>Fewer canary requests than this in a step make the verdict inconclusive.</summary>
    public int MinRequests { get; private init; }
    public InconclusiveAction OnInconclusive { get; private init; } = InconclusiveAction.Wait;
    /// <summary>Which gate judges each step (<c>gate.use</c>).</summary>
    public CanaryGateKind Gate { get; private init; } = CanaryGateKind.HealthEndpoint;
    public TimeSpan ApprovalTimeout { get; private init; } = TimeSpan.FromMinutes(30);

    internal static CanarySettings Read(ConfigMap? map)
    {
        if (map is null) return new CanarySettings();
        var steps = new List<int>();
        foreach (var text in map.StringList("steps"))
        {
            var trimmed = text.Trim().TrimEnd('%');
            if (int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 100) steps.Add(p);
            else map.Error("steps", $"expected percentages between 1 and 100, got '{text}'");
        }
        if (steps.Count > 0)
        {
            if (steps.Zip(steps.Skip(1)).Any(pair => pair.Second <= pair.First)) map.Error("steps", "steps must increase");
            if (steps[^1] != 100) steps.Add(100);
        }
        var gate = map.Map("gate");
        var settings = new CanarySettings
        {
            Steps = steps.Count > 0 ? steps : DefaultSteps,
            Pause = map.Duration("pause", TimeSpan.FromMinutes(1)),
            SampleInterval = gate?.Duration("sampleInterval", TimeSpan.FromSeconds(5)) ?? TimeSpan.FromSeconds(5),
            MaxErrorRatePercent = gate?.Percent("maxErrorRate", 5) ?? 5,
            MinRequests = gate?.Int("minRequests", 0, 0) ?? 0,
            Gate = gate?.Enum("use", CanaryGateKind.HealthEndpoint) ?? CanaryGateKind.HealthEndpoint,
            OnInconclusive = map.Enum("onInconclusive", InconclusiveAction.Wait),
            ApprovalTimeout = map.Duration("approvalTimeout", TimeSpan.FromMinutes(30)),
        };
        gate?.Finish();
        map.Finish();
        return settings;
    }
}

/// <summary><c>deployment.rolling</c>: batch size and failure budget.</summary>
internal sealed class RollingSettings
{
    /// <summary>Instances out of rotation at once, as a count (when <see cref="MaxUnavailablePercent"/> is null).</summary>
    public int MaxUnavailable { get; private init; } = 1;
    public double? MaxUnavailablePercent { get; private init; }
    /// <summary>Share of instances that may fail (rounded down to whole instances); see <see cref="AllowedFailures"/>.</summary>
    public double MaxFailPercent { get; private init; }
    public RollingFailureAction OnFailure { get; private init; } = RollingFailureAction.Stop;

    /// <summary>Failed instances the budget allows: floor(instances × maxFailPercent / 100) (40 % of 3 is 1).</summary>
    public int AllowedFailures(int instances) => (int)Math.Floor(instances * MaxFailPercent / 100.0 + 1e-9);

    public int BatchSize(int instances) => Math.Max(1, MaxUnavailablePercent is { } p
        ? (int)Math.Floor(instances * p / 100.0)
        : Math.Min(MaxUnavailable, instances));

    internal static RollingSettings Read(ConfigMap? map)
    {
        if (map is null) return new RollingSettings();
        var count = 1;
        double? percent = null;
        if (map.Node("maxUnavailable") is YamlScalarNode node)
        {
            var text = node.Value ?? "";
            if (text.TrimEnd().EndsWith('%')) percent = map.Percent("maxUnavailable", 25);
            else count = map.Int("maxUnavailable", 1, 1);
        }
        var settings = new RollingSettings
        {
            MaxUnavailable = count,
            MaxUnavailablePercent = percent,
            MaxFailPercent = map.Percent("maxFailPercent", 0),
            OnFailure = map.Enum("onFailure", RollingFailureAction.Stop),
        };
        map.Finish();
        return settings;
    }
}
