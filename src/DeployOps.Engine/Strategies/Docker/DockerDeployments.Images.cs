using DeployOps.Engine.Audit;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;

namespace DeployOps.Engine.Strategies.Docker;

/// <summary>Image history: which image id a version ran, image backups (docker save) and loading them back.</summary>
internal static partial class DockerDeployments
{
    /// <summary>
    /// The image <paramref name="version"/> runs as. A version that succeeded before runs the image id its newest
    /// successful deployment recorded (<see cref="DeploymentField.ImageId"/>), whatever its tag points to now; if that
    /// image is gone it is loaded from its image backup, else <see cref="ErrorIds.RecordedImageMissing"/>. A version
    /// never deployed resolves the image template's tag (pulled per <c>pull</c>). Rollback and redeploy call this.
    /// </summary>
    public static async Task<ContainerImage> ResolveImageForVersionAsync(ConfigModel config, string version, CancellationToken cancellationToken)
    {
        var settings = config.Deployment.Docker ?? throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
            $"{config.FilePath} has no deployment.docker section", config.FilePath);
        using var client = settings.CreateClient();
        return await ResolveAsync(config, settings, version, client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The image id the newest successful deployment of <paramref name="version"/> recorded, or null.</summary>
    public static async Task<(string DeploymentId, string ImageId, string Reference)?> FindRecordedImageAsync(ConfigModel config,
        string version, CancellationToken cancellationToken)
    {
        await using var store = DeploymentStore.Open(config);
        var records = await store.ListAsync(new HistoryQuery { Outcomes = new[] { DeploymentOutcome.Succeeded } }, cancellationToken)
            .ConfigureAwait(false);
        var record = records.FirstOrDefault(r => r.Version == version && r.Fields.ContainsKey(DeploymentField.ImageId));
        if (record is null) return null;
        return (record.Id, record.Fields[DeploymentField.ImageId], record.Fields.GetValueOrDefault(DeploymentField.ImageReference) ?? record.Fields[DeploymentField.ImageId]);
    }

    internal static async Task<ContainerImage> ResolveAsync(ConfigModel config, DockerDeploymentSettings settings, string version,
        DockerClient client, CancellationToken ct)
    {
        if (await FindRecordedImageAsync(config, version, ct).ConfigureAwait(false) is var (deploymentId, imageId, recordedReference))
        {
            if (await client.TryInspectImageAsync(imageId, ct).ConfigureAwait(false) is not null)
                return new ContainerImage(version, recordedReference, imageId, ContainerImageSource.History, deploymentId);
            if (FindBackup(config, imageId) is { } backup)
            {
                await client.LoadImagesAsync(backup, ct).ConfigureAwait(false);
                AuditLog.For(config).Write(Command, config.Redactor.Redact($"Load image {imageId} for {version} from {backup}"), imageId, "Succeeded");
                if (await client.TryInspectImageAsync(imageId, ct).ConfigureAwait(false) is not null)
                    return new ContainerImage(version, recordedReference, imageId, ContainerImageSource.Backup, deploymentId);
            }
            throw new DeployOpsException(ErrorIds.RecordedImageMissing, ErrorKind.ObjectNotFound, config.Redactor.Redact(
                $"Version {version} ran image {imageId} ({recordedReference}) in deployment {deploymentId}, but the daemon at " +
                $"{client.Endpoint} no longer has it and there is no image backup of it in {BackupDirectoryPath(config)}. " +
                $"Load it (docker load), or remove that history with Remove-DeploymentHistory -Id {deploymentId} to deploy whatever " +
                $"{recordedReference} points to now."), imageId);
        }

        var reference = Render(settings.Image, config, new StepContext(version, null, null, null, null, null), TemplateSyntax.Path);
        if (settings.Pull != ImagePullPolicy.Always && await client.TryInspectImageAsync(reference, ct).ConfigureAwait(false) is { } local)
            return new ContainerImage(version, reference, local.ID, ContainerImageSource.Tag, null);
        if (settings.Pull == ImagePullPolicy.Never)
            throw new DeployOpsException(ErrorIds.DockerImageNotFound, ErrorKind.ObjectNotFound, config.Redactor.Redact(
                $"Image {reference} for version {version} is not present on the daemon at {client.Endpoint}, and deployment.docker.pull " +
                "is never. Build or load it first (or set pull: missing to pull it from its registry)."), reference);
        try
        {
            await client.PullImageAsync(reference, null, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex) when (ex.ErrorId is ErrorIds.DockerImageNotFound or ErrorIds.DockerStreamFailed or ErrorIds.DockerApiError)
        {
            throw new DeployOpsException(ErrorIds.DockerImageNotFound, ErrorKind.ObjectNotFound, config.Redactor.Redact(
                $"Image {reference} for version {version} is not present on the daemon at {client.Endpoint} and could not be pulled: {ex.Message}"),
                reference, ex);
        }
        var pulled = await client.InspectImageAsync(reference, ct).ConfigureAwait(false);
        AuditLog.For(config).Write(Command, config.Redactor.Redact($"Pull image {reference} ({pulled.ID})"), reference, "Succeeded");
        return new ContainerImage(version, reference, pulled.ID, ContainerImageSource.Pulled, null);
    }

    /// <summary>
    /// imageBackup: docker save of the image currently live (the newest successful deployment's image) before this
    /// deployment replaces anything, once per deployment; an image already backed up is not saved again.
    /// </summary>
    private static async Task BackupLiveImageAsync(DeploymentRun run, DockerClient client, CancellationToken ct)
    {
        if (run.Fields.ContainsKey(ImageBackupField)) return;
        var config = run.Config;
        await using var store = DeploymentStore.Open(config);
        var live = (await store.ListAsync(new HistoryQuery { Outcomes = new[] { DeploymentOutcome.Succeeded } }, ct).ConfigureAwait(false))
            .FirstOrDefault(r => r.Id != run.Id && r.Fields.ContainsKey(DeploymentField.ImageId));
        string detail;
        if (live is null)
        {
            detail = "none (no earlier container deployment)";
        }
        else
        {
            var imageId = live.Fields[DeploymentField.ImageId];
            if (FindBackup(config, imageId) is { } existing)
            {
                detail = existing;
            }
            else
            {
                var path = Path.Combine(BackupDirectory(config), $"{Safe(config.Application)}-{Safe(live.Version)}-{ShortId(imageId)}.tar");
                var what = $"Save image {imageId} ({live.Version}) to {path}";
                if (await client.TryInspectImageAsync(imageId, ct).ConfigureAwait(false) is null)
                {
                    detail = $"none ({imageId} of {live.Version} is no longer on the daemon)";
                    run.Sink.WriteWarning(config.Redactor.Redact($"Image backup skipped: {detail}"));
                }
                else
                {
                    var bytes = await client.SaveImagesAsync(new[] { imageId }, path, ct).ConfigureAwait(false);
                    AuditLog.For(config).Write(Command, config.Redactor.Redact(what), imageId, "Succeeded",
                        new Dictionary<string, string> { ["bytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) }, run.Id);
                    run.Log.Write($"[start] {what}: {bytes} bytes");
                    detail = path;
                }
            }
        }
        await run.AnnotateAsync(ImageBackupField, config.Redactor.Redact(detail), ct).ConfigureAwait(false);
    }

    /// <summary>The backup of <paramref name="imageId"/> in the state directory's image-backups, if one was saved.</summary>
    public static string? FindBackup(ConfigModel config, string imageId)
    {
        var directory = BackupDirectoryPath(config);
        if (!Directory.Exists(directory)) return null;
        return Directory.EnumerateFiles(directory, $"*-{ShortId(imageId)}.tar").OrderBy(p => p, StringComparer.Ordinal).FirstOrDefault();
    }

    public static string BackupDirectoryPath(ConfigModel config) => Path.Combine(config.State.Directory, "image-backups");

    private static string BackupDirectory(ConfigModel config) => StateDirectory.Sub(config.State.Directory, "image-backups");

    private static string ShortId(string imageId) => imageId.Replace("sha256:", "", StringComparison.Ordinal)[..Math.Min(12, imageId.Replace("sha256:", "", StringComparison.Ordinal).Length)];

    private static string Safe(string text) => new(text.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' ? c : '_').ToArray());
}
