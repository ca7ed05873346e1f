using DeployOps.Engine.Configuration;
using DeployOps.Engine.Kubernetes;

namespace DeployOps.Engine.Strategies.Kubernetes;

/// <summary>
/// <c>deployment.kubernetes</c>: the application runs in a cluster (a <c>targets:</c> entry of kind kubernetes).
/// Blue-green switches a Service's selector between the Deployments of two colours; rolling sets the image of one
/// Deployment. Names and the image may use {app} and {slot}; the image also {version}.
/// </summary>
internal sealed class KubernetesDeploymentSettings
{
    /// <summary>The colours of blue-green, in the order a first deployment uses them.</summary>
    public static readonly IReadOnlyList<string> Colours = new[] { "blue", "green" };

    public KubernetesCluster Cluster { get; private init; } = null!;
    /// <summary>Deployment name template: <c>{app}-{slot}</c> for blue-green (must hold {slot}), e.g. <c>{app}</c> for rolling.</summary>
    public string Deployment { get; private init; } = "";
    /// <summary>Blue-green: the Service whose selector picks the live colour.</summary>
    public string? Service { get; private init; }
    /// <summary>The selector (and pod template) label that names the colour.</summary>
    public string SelectorKey { get; private init; } = "version";
    /// <summary>The container whose image is set; null: the pod template's only container.</summary>
    public string? Container { get; private init; }
    /// <summary>Image template, e.g. <c>registry.local:5000/shop:{version}</c>.</summary>
    public string Image { get; private init; } = "";
    /// <summary>Blue-green: replicas of the new colour; null: as many as the live colour has (at least 1).</summary>
    public int? Replicas { get; private init; }
    /// <summary>How long a rollout may take (<c>kubectl rollout status --timeout</c>).</summary>
    public TimeSpan RolloutTimeout { get; private init; } = TimeSpan.FromMinutes(5);
    /// <summary>Blue-green: the soak after the switch before the old colour is scaled to 0; null: it keeps running.</summary>
    public TimeSpan? ScaleDownAfter { get; private init; }

    internal string DeploymentName(string application, string? colour) =>
        Deployment.Replace("{app}", application, StringComparison.Ordinal).Replace("{slot}", colour ?? "", StringComparison.Ordinal);

    internal string ServiceName(string application) => (Service ?? "").Replace("{app}", application, StringComparison.Ordinal);

    internal string ImageFor(string application, string version, string? colour) => Image
        .Replace("{app}", application, StringComparison.Ordinal)
        .Replace("{version}", version, StringComparison.Ordinal)
        .Replace("{slot}", colour ?? "", StringComparison.Ordinal);

    internal static KubernetesDeploymentSettings? Read(ConfigMap? map, IReadOnlyDictionary<string, KubernetesCluster> clusters,
        DeploymentStrategy strategy, string application)
    {
        if (map is null) return null;
        var targetName = map.RequiredString("target");
        KubernetesCluster? cluster = null;
        if (targetName.Length > 0 && !clusters.TryGetValue(targetName, out cluster))
            map.Error("target", clusters.Count == 0
                ? $"'{targetName}' is not a target of kind kubernetes (this file has none)"
                : $"'{targetName}' is not a target of kind kubernetes (those are: {string.Join(", ", clusters.Keys)})");
        var blueGreen = strategy == DeploymentStrategy.BlueGreen;
        if (strategy is not (DeploymentStrategy.BlueGreen or DeploymentStrategy.Rolling))
            map.ErrorHere($"deployment.strategy {strategy} is not supported on Kubernetes (blueGreen or rolling)");
        var settings = new KubernetesDeploymentSettings
        {
            Cluster = cluster!,
            Deployment = map.String("deployment", blueGreen ? "{app}-{slot}" : "{app}"),
            Service = map.String("service"),
            SelectorKey = map.String("selectorKey", "version"),
            Container = map.String("container"),
            Image = map.RequiredString("image"),
            Replicas = map.Has("replicas") ? map.Int("replicas", 1, 1, 10000) : null,
            RolloutTimeout = map.Duration("rolloutTimeout", TimeSpan.FromMinutes(5)),
            ScaleDownAfter = map.Has("scaleDownAfter") ? map.DurationOrZero("scaleDownAfter", TimeSpan.Zero) : null,
        };
        if (blueGreen)
        {
            if (!settings.Deployment.Contains("{slot}", StringComparison.Ordinal))
                map.Error("deployment", "blue-green needs one Deployment per colour: the name must hold {slot} (e.g. {app}-{slot})");
            if (settings.Service is null) map.ErrorHere("blue-green on Kubernetes needs service: (the Service whose selector is switched)");
        }
        else
        {
            foreach (var key in new[] { "service", "replicas", "scaleDownAfter" }.Where(map.Has))
                map.Error(key, $"{key} is for blue-green; a rolling update changes one Deployment in place");
            if (settings.Deployment.Contains("{slot}", StringComparison.Ordinal)) map.Error("deployment", "{slot} is for blue-green");
        }
        foreach (var colour in blueGreen ? Colours.ToArray<string?>() : new string?[] { null })
            Check(map, "deployment", settings.DeploymentName(application, colour));
        if (settings.Service is not null) Check(map, "service", settings.ServiceName(application));
        if (settings.Container is not null) Check(map, "container", settings.Container);
        if (!IsLabelKey(settings.SelectorKey)) map.Error("selectorKey", $"'{Security.Identifiers.Printable(settings.SelectorKey)}' is not a label key");
        if (settings.Image.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) map.Error("image", "an image reference holds no spaces");
        map.Finish();
        return settings;
    }

    private static void Check(ConfigMap map, string key, string name)
    {
        if (KubernetesTargetSettings.NameProblem(name) is { } problem) map.Error(key, problem);
    }

    private static bool IsLabelKey(string key) =>
        key.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(key[0]) && char.IsAsciiLetterOrDigit(key[^1]) &&
        key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
