using DeployOps.Engine.Audit;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;

namespace DeployOps.Engine.Strategies.Docker;

/// <summary>
/// Containers as deployment targets. With <c>deployment.docker</c> configured, the <c>start</c> phase of every target
/// begins with the step <c>container</c>: it resolves the version's image once per deployment (history first, so a
/// redeploy runs the image id recorded back then even if tags moved), replaces the target's container and waits for
/// Docker health. Traffic, verification, switch-back and batches stay the strategies' own.
/// </summary>
internal static partial class DockerDeployments
{
    public const string ContainerStepName = "container";
    public const string OperatorTagsPhaseName = "image-tags";
    private const string ImageBackupField = "imageBackup";
    private const string Command = "Invoke-Deployment";

    /// <summary>Reads deployment.docker and puts the container step first in the start phase.</summary>
    internal static DockerDeploymentSettings? AddContainerStep(ConfigMap? map, Dictionary<string, IReadOnlyList<StepDefinition>> steps)
    {
        var settings = DockerDeploymentSettings.Read(map);
        if (settings is null) return null;
        var start = steps.TryGetValue("start", out var list) ? list : Array.Empty<StepDefinition>();
        if (start.Any(s => s.Name == ContainerStepName))
            map!.Error("image", $"the start phase has a step named '{ContainerStepName}', which is the container step's name");
        var step = new StepDefinition(ContainerStepName, StepKind.Docker)
        {
            Command = $"run {settings.Image} as the {{instance}} container on {{host}}:{{port}} (host network)",
            Timeout = settings.HealthTimeout,
        };
        steps["start"] = new[] { step }.Concat(start).ToList();
        return settings;
    }

    /// <summary>The container step: replace the target's container with one of this deployment's image, then wait until healthy.</summary>
    internal static async Task ReplaceContainerAsync(DeploymentRun run, StepDefinition step, StepContext context, CancellationToken ct)
    {
        var settings = run.Settings.Docker!;
        var config = run.Config;
        using var client = settings.CreateClient();
        var imageId = await ImageForRunAsync(run, settings, client, ct).ConfigureAwait(false);
        if (settings.ImageBackup) await BackupLiveImageAsync(run, client, ct).ConfigureAwait(false);

        var name = ContainerName(settings, config, context);
        var target = context.Instance ?? context.Slot ?? name;
        var audit = AuditLog.For(config);
        var existing = await client.TryInspectContainerAsync(name, ct).ConfigureAwait(false);
        if (existing is not null)
        {
            if (existing.State?.Running == true) await client.StopContainerAsync(name, settings.StopTimeout, ct).ConfigureAwait(false);
            await client.RemoveContainerAsync(name, force: true, ct).ConfigureAwait(false);
            var was = (existing.Config?.Labels is { } labels && labels.TryGetValue(Labels.Version, out var v) ? v : null) ?? existing.Image;
            run.Log.Write($"[start] removed container {name} ({was}) from {target}");
            audit.Write(Command, Redact(config, $"Remove container {name} ({was})"), name, "Succeeded", null, run.Id);
        }

        var spec = new DockerContainerSpec
        {
            Image = imageId,
            Name = name,
            Environment = Environment(settings, config, context),
            Labels = LabelsFor(settings, run, context),
            // A scalar command runs as /bin/sh -c and a healthcheck as CMD-SHELL: their placeholders read the container's
            // DEPLOYOPS_TEMPLATE_* variables; a list command is an argument vector and gets the values as they are.
            Command = settings.Command?.Select((a, i) => Render(a, config, context,
                settings.CommandIsShell && i == settings.Command.Count - 1 ? TemplateSyntax.PosixShell : TemplateSyntax.Text)).ToList(),
            Healthcheck = settings.HealthCommand is { } health
                ? DockerHealthcheck.Shell(Render(health, config, context, TemplateSyntax.PosixShell), settings.HealthInterval, settings.HealthProbeTimeout,
                    settings.HealthRetries, settings.HealthStartPeriod)
                : null,
            RestartPolicy = settings.RestartPolicy,
            RestartMaxRetries = settings.RestartMaxRetries,
            MemoryBytes = settings.MemoryBytes,
            Cpus = settings.Cpus,
            StopTimeout = settings.StopTimeout,
        };
        var created = await client.CreateContainerAsync(spec, ct).ConfigureAwait(false);
        await client.StartContainerAsync(created.ID, ct).ConfigureAwait(false);
        var started = Redact(config, $"Start container {name} from {imageId} ({run.Version}) on {context.Host}:{context.Port}");
        run.Log.Write($"[start] {started}");
        run.Sink.WriteVerbose(started);
        audit.Write(Command, started, name, "Succeeded", null, run.Id);
        await WaitHealthyAsync(run, settings, client, name, target, ct).ConfigureAwait(false);
    }

    private static async Task WaitHealthyAsync(DeploymentRun run, DockerDeploymentSettings settings, DockerClient client, string name,
        string target, CancellationToken ct)
    {
        var poll = TimeSpan.FromMilliseconds(Math.Clamp(settings.HealthInterval.TotalMilliseconds / 4, 50, 1000));
        var state = await client.WaitForHealthAsync(name, settings.HealthTimeout, poll, ct).ConfigureAwait(false);
        if (DockerClient.HasExited(state))
            throw await ExitedAsync(run, settings, client, name, target, state, ct).ConfigureAwait(false);
        var health = state.HealthStatus();
        if (health is null)
        {
            run.Log.Write($"[start] container {name} has no healthcheck: the slot's readiness and smoke steps verify it");
            return;
        }
        if (health == "healthy")
        {
            run.Log.Write($"[start] container {name} is healthy");
            return;
        }
        var probe = state.State?.Health?.Log?.LastOrDefault();
        var why = health == "unhealthy"
            ? $"is unhealthy after {state.State?.Health?.FailingStreak} failing healthcheck(s)"
            : $"is still '{health}' after {ValueParsers.FormatDuration(settings.HealthTimeout)} (docker.healthcheck.timeout)";
        throw new DeployOpsException(ErrorIds.ContainerUnhealthy, ErrorKind.InvalidResult, Redact(run.Config,
            $"Container {name} on {target} ({run.Version}) {why}; last healthcheck exit code {probe?.ExitCode}: {probe?.Output?.Trim()}. " +
            $"It is left running for inspection. Log tail:\n{await LogTailAsync(client, name, ct).ConfigureAwait(false)}"), target);
    }

    /// <summary>
    /// After success: repository:current is this deployment's image and repository:previous the one it replaced (with
    /// operatorTags), then retention removes what it lets go (with retention and afterDeployment). Neither fails the
    /// deployment: they are housekeeping once it serves.
    /// </summary>
    internal static PlannedPhase? OperatorTagsPhase(DeploymentRun run)
    {
        if (run.Settings.Docker is not { } settings) return null;
        var repository = DockerClient.SplitReference(Render(settings.Image, run.Config, run.ContextFor(null, false), TemplateSyntax.Path)).Repository;
        var tags = settings.OperatorTags && !repository.Contains('@');
        var retention = settings.Retention is { AfterDeployment: true };
        if (!tags && !retention) return null;
        var actions = new List<string>();
        if (tags) actions.Add($"Tag the deployed image {repository}:current (and the one it replaces {repository}:previous)");
        if (retention) actions.Add($"remove images and image backups beyond retention (keep {settings.Retention})");
        return new PlannedPhase
        {
            Name = OperatorTagsPhaseName,
            Kind = PhaseKind.Deploy,
            Action = string.Join("; ", actions),
            Target = repository,
            Run = async ct =>
            {
                if (!run.Fields.TryGetValue(DeploymentField.ImageId, out var imageId)) return "no container was deployed";
                var details = new List<string>();
                if (tags) details.Add(await TagCurrentAsync(run, settings, repository, imageId, ct).ConfigureAwait(false));
                if (retention) details.Add(await ApplyRetentionAsync(run, imageId, ct).ConfigureAwait(false));
                return string.Join("; ", details);
            },
        };
    }

    private static async Task<string> TagCurrentAsync(DeploymentRun run, DockerDeploymentSettings settings, string repository, string imageId,
        CancellationToken ct)
    {
        try
        {
            using var client = settings.CreateClient();
            var current = await client.TryInspectImageAsync($"{repository}:current", ct).ConfigureAwait(false);
            var detail = $"{repository}:current -> {imageId}";
            if (current is not null && current.ID != imageId)
            {
                await client.TagImageAsync(current.ID, repository, "previous", ct).ConfigureAwait(false);
                detail += $", {repository}:previous -> {current.ID}";
            }
            await client.TagImageAsync(imageId, repository, "current", ct).ConfigureAwait(false);
            AuditLog.For(run.Config).Write(Command, Redact(run.Config, "Tag " + detail), repository, "Succeeded", null, run.Id);
            return detail;
        }
        catch (DeployOpsException ex)
        {
            // The deployment itself succeeded; the tags are a convenience for operators.
            var message = Redact(run.Config, $"{repository}:current/previous were not updated: {ex.Message}");
            run.Sink.WriteWarning(message);
            return message;
        }
    }

    private static async Task<string> ImageForRunAsync(DeploymentRun run, DockerDeploymentSettings settings, DockerClient client, CancellationToken ct)
    {
        if (run.Fields.TryGetValue(DeploymentField.ImageId, out var known)) return known;
        var image = await ResolveAsync(run.Config, settings, run.Version, client, ct).ConfigureAwait(false);
        await run.AnnotateAsync(DeploymentField.ImageReference, image.Reference, ct).ConfigureAwait(false);
        await run.AnnotateAsync(DeploymentField.ImageId, image.ImageId, ct).ConfigureAwait(false);
        var message = Redact(run.Config, $"version {run.Version} runs image {image.ImageId} ({image.Reference}, from {image.Source.ToString().ToLowerInvariant()}" +
            $"{(image.DeploymentId is null ? "" : " of deployment " + image.DeploymentId)})");
        run.Log.Write("[start] " + message);
        run.Sink.WriteVerbose(message);
        return image.ImageId;
    }

    private static IReadOnlyDictionary<string, string> Environment(DockerDeploymentSettings settings, ConfigModel config, StepContext context)
    {
        var environment = new Dictionary<string, string>(context.Variables());
        foreach (var (key, value) in settings.Environment) environment[key] = Render(value, config, context);
        foreach (var (key, value) in context.WithApp(config.Application).TemplateVariables()) environment[key] = value;
        return environment;
    }

    private static IReadOnlyDictionary<string, string> LabelsFor(DockerDeploymentSettings settings, DeploymentRun run, StepContext context)
    {
        var labels = settings.Labels.ToDictionary(l => l.Key, l => Render(l.Value, run.Config, context));
        labels[Labels.App] = run.Config.Application;
        labels[Labels.Environment] = run.Config.Environment;
        labels[Labels.Version] = run.Version;
        labels[Labels.Deployment] = run.Id;
        if (context.Slot is { } slot) labels[Labels.Slot] = slot;
        if (context.Instance is { } instance) labels[Labels.Instance] = instance;
        return labels;
    }

    private static async Task<string> LogTailAsync(DockerClient client, string name, CancellationToken ct)
    {
        try
        {
            var lines = await client.LogsAsync(name, 20, ct).ConfigureAwait(false);
            return lines.Count == 0 ? "(no output)" : string.Join("\n", lines.Select(l => "  | " + l.Text.TrimEnd()));
        }
        catch (DeployOpsException ex)
        {
            return $"(logs unavailable: {ex.Message})";
        }
    }

    /// <summary>{app} plus the step templates ({version}, {slot}, {instance}, {port}, {host}, {previousVersion}), as plain text.</summary>
    internal static string Render(string text, ConfigModel config, StepContext context) => Render(text, config, context, TemplateSyntax.Text);

    /// <summary>{app} plus the step templates, each value substituted with the rules of <paramref name="syntax"/>.</summary>
    internal static string Render(string text, ConfigModel config, StepContext context, TemplateSyntax syntax) =>
        StepTemplate.Render(text, context.WithApp(config.Application), syntax);

    /// <summary>The target's container name: every value stays one segment and the result is a name Docker accepts.</summary>
    internal static string ContainerName(DockerDeploymentSettings settings, ConfigModel config, StepContext context)
    {
        var name = Render(settings.ContainerName, config, context, TemplateSyntax.Path);
        if (!ContainerNamePattern().IsMatch(name))
            throw new DeployOpsException(ErrorIds.InvalidTemplateValue, ErrorKind.InvalidArgument, Redact(config,
                $"deployment.docker.containerName renders to '{Security.Identifiers.Printable(name)}', which is not a container name " +
                "([a-zA-Z0-9][a-zA-Z0-9_.-]*)"), name);
        return name;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial System.Text.RegularExpressions.Regex ContainerNamePattern();

    private static string Redact(ConfigModel config, string text) => config.Redactor.Redact(text);

    /// <summary>Labels every DeployOps container carries (list them with <c>docker ps --filter label=deployops.app=shop</c>).</summary>
    public static class Labels
    {
        public const string App = "deployops.app";
        public const string Environment = "deployops.environment";
        public const string Slot = "deployops.slot";
        public const string Instance = "deployops.instance";
        public const string Version = "deployops.version";
        public const string Deployment = "deployops.deployment";
    }
}
