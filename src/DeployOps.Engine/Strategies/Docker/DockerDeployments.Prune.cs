using System.Globalization;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies.Steps;

namespace DeployOps.Engine.Strategies.Docker;

/// <summary>Remove-DeploymentImage and the image-tags phase: what <c>-KeepVersions</c>/<c>-MaxAge</c> override.</summary>
internal sealed class ImagePruneOptions
{
    /// <summary>Overrides retention.keepVersions.</summary>
    public int? KeepVersions { get; init; }
    /// <summary>Overrides retention.maxAge.</summary>
    public TimeSpan? MaxAge { get; init; }
    /// <summary>The image (and version) of a deployment in progress, not yet Succeeded in history: it is the live one.</summary>
    internal (string ImageId, string Version)? InUse { get; init; }
    internal TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>Retention: removing the application's old images and image backups (see <see cref="ImageRetention"/>).</summary>
internal static partial class DockerDeployments
{
    private const string PruneCommand = "Remove-DeploymentImage";

    /// <summary>
    /// Removes (or, under -WhatIf, lists) each image and image backup retention lets go, one record per item through
    /// <paramref name="sink"/>; returns how many were removed. An item the daemon refuses (a container started
    /// meanwhile) is a non-terminating error and the rest go on.
    /// </summary>
    public static async Task<int> PruneImagesAsync(ConfigModel config, ImagePruneOptions options, IOutputSink sink, CancellationToken ct)
    {
        var settings = config.Deployment.Docker ?? throw new DeployOpsException(ErrorIds.DeploymentNotConfigured, ErrorKind.InvalidOperation,
            $"{config.FilePath} has no deployment.docker section: DeployOps keeps no images for it", config.FilePath);
        var retention = (settings.Retention ?? ImageRetention.Of(null, null)).With(options.KeepVersions, options.MaxAge);
        if (retention.KeepVersions is null && retention.MaxAge is null)
            throw new DeployOpsException(ErrorIds.ImageRetentionNotConfigured, ErrorKind.InvalidArgument,
                $"{config.FilePath} has no deployment.docker.retention: set keepVersions and/or maxAge there, or pass -KeepVersions/-MaxAge.",
                config.FilePath);
        using var client = settings.CreateClient();
        var candidates = await PlanPruneAsync(config, settings, retention, client, options, ct).ConfigureAwait(false);
        var audit = AuditLog.For(config);
        var removed = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var item = candidates[i];
            var target = item.Path ?? item.ImageId;
            var version = item.Version is null ? "recorded by no deployment" : "version " + item.Version;
            var action = config.Redactor.Redact((item.Kind == DeploymentImageKind.Image
                ? $"Remove image {item.ImageId} ({version}{(item.Tags.Count == 0 ? "" : ", " + string.Join(", ", item.Tags))}"
                : $"Remove image backup {item.Path} ({version}, {item.ImageId}") + $", {ValueParsers.FormatSize(item.Bytes)}): {item.Reason}");
            sink.WriteProgress(new ProgressUpdate(71, "Remove-DeploymentImage", action, i * 100 / candidates.Count));
            if (!sink.ShouldProcess(target, action))
            {
                if (sink.IsDryRun) sink.WriteRecord(Bound(config, item, removed: false));
                continue;
            }
            try
            {
                if (item.Kind == DeploymentImageKind.Image) await RemoveImageAsync(client, item, ct).ConfigureAwait(false);
                else File.Delete(item.Path!);
            }
            catch (Exception ex) when (ex is DeployOpsException or IOException or UnauthorizedAccessException)
            {
                audit.Write(PruneCommand, action, target, "Failed", new Dictionary<string, string> { ["error"] = ex.Message });
                sink.WriteError(new DeployOpsError(ex is DeployOpsException d ? d.ErrorId : ErrorIds.DockerApiError, ErrorKind.InvalidOperation,
                    config.Redactor.Redact($"Could not remove {item}: {ex.Message}"), target));
                continue;
            }
            audit.Write(PruneCommand, action, target, "Succeeded", new Dictionary<string, string> { ["bytes"] = item.Bytes.ToString(CultureInfo.InvariantCulture) });
            removed++;
            sink.WriteRecord(Bound(config, item, removed: true));
        }
        sink.WriteProgress(new ProgressUpdate(71, "Remove-DeploymentImage", "done", 100, Completed: true));
        return removed;
    }

    /// <summary>After a successful deployment (deployment.docker.retention, afterDeployment: true): prune, never failing the deployment.</summary>
    private static async Task<string> ApplyRetentionAsync(DeploymentRun run, string imageId, CancellationToken ct)
    {
        var sink = new NestedOperationSink(run.Sink, confirmed: true);
        try
        {
            var removed = await PruneImagesAsync(run.Config, new ImagePruneOptions { InUse = (imageId, run.Version) }, sink, ct).ConfigureAwait(false);
            return $"retention removed {removed} image(s)/backup(s)";
        }
        catch (DeployOpsException ex)
        {
            var message = run.Config.Redactor.Redact($"Image retention was not applied: {ex.Message}");
            run.Sink.WriteWarning(message);
            return message;
        }
    }

    /// <summary>
    /// Untags the application's names of the image, then deletes it when no other name is left; never forced. An id
    /// another repository also names stays for that repository: only our tags go.
    /// </summary>
    private static async Task RemoveImageAsync(DockerClient client, DeploymentImage item, CancellationToken ct)
    {
        foreach (var tag in item.Tags) await client.RemoveImageAsync(tag, force: false, ct).ConfigureAwait(false);
        if (await client.TryInspectImageAsync(item.ImageId, ct).ConfigureAwait(false) is { } left && left.Tags().Count == 0)
            await client.RemoveImageAsync(item.ImageId, force: false, ct).ConfigureAwait(false);
    }

    private static DeploymentImage Bound(ConfigModel config, DeploymentImage item, bool removed) =>
        new(item.Kind, item.ImageId, item.Version, item.Tags, item.Path, item.Bytes, item.Age, item.Reason, removed) { ConfigPath = config.FilePath };

    /// <summary>What retention lets go, oldest first: images of the repository or recorded by history, then backups.</summary>
    private static async Task<List<DeploymentImage>> PlanPruneAsync(ConfigModel config, DockerDeploymentSettings settings, ImageRetention retention,
        DockerClient client, ImagePruneOptions options, CancellationToken ct)
    {
        await using var store = DeploymentStore.Open(config);
        var succeeded = (await store.ListAsync(new HistoryQuery { Outcomes = new[] { DeploymentOutcome.Succeeded } }, ct).ConfigureAwait(false))
            .Where(r => r.Fields.ContainsKey(DeploymentField.ImageId)).OrderByDescending(r => r.Start).ToList();
        string IdOf(DeploymentRecord r) => r.Fields[DeploymentField.ImageId];

        var keep = new Dictionary<string, string>(StringComparer.Ordinal);
        var versions = succeeded.Select(r => (Id: IdOf(r), r.Version)).ToList();
        if (options.InUse is { } inUse)
        {
            // Right after a deployment: it is live, and what it replaced (history's newest) is the rollback target.
            keep[inUse.ImageId] = $"the live version {inUse.Version}";
            if (succeeded.FirstOrDefault() is { } replaced) keep.TryAdd(IdOf(replaced), $"the rollback target {replaced.Version}");
            versions.Insert(0, inUse);
        }
        else if (succeeded.FirstOrDefault() is { } live)
        {
            keep.TryAdd(IdOf(live), $"the live version {live.Version}");
            if (succeeded.FirstOrDefault(r => r.Version == live.PreviousVersion) is { } back)
                keep.TryAdd(IdOf(back), $"the rollback target {back.Version}");
        }
        if (retention.KeepVersions is { } n)
            foreach (var (id, _) in versions.DistinctBy(v => v.Version).Take(n)) keep.TryAdd(id, $"among the last {n} versions");
        foreach (var container in await client.ListContainersAsync(new Dictionary<string, string?>(), all: true, ct).ConfigureAwait(false))
            keep.TryAdd(container.ImageID, $"container {container.Name()} uses it");

        var repository = DockerClient.SplitReference(Render(settings.Image, config, new StepContext("x", null, null, null, null, null), TemplateSyntax.Path))
            .Repository;
        var now = options.Clock.GetUtcNow();
        DeploymentRecord? Newest(string id) => succeeded.FirstOrDefault(r => IdOf(r) == id);
        string? Reason(string id, DateTimeOffset lastUsed)
        {
            if (keep.ContainsKey(id)) return null;
            // keepVersions counts deployed versions: an image no deployment recorded (built or pulled ahead of a
            // release) goes only by age.
            var recorded = Newest(id) is not null;
            if (!recorded && retention.MaxAge is null) return null;
            var age = now - lastUsed;
            if (retention.MaxAge is { } max && age <= max) return null;
            var why = new List<string>();
            if (retention.KeepVersions is { } k && recorded) why.Add($"not among the last {k} versions");
            if (!recorded) why.Add("recorded by no deployment");
            if (retention.MaxAge is not null) why.Add($"unused for {ValueParsers.FormatDuration(age)}");
            return string.Join(", ", why);
        }

        var items = new List<DeploymentImage>();
        var onDaemon = repository.Contains('@') ? new List<global::Docker.DotNet.Models.ImagesListResponse>()
            : (await client.ListImagesAsync(repository, ct).ConfigureAwait(false)).ToList();
        foreach (var id in succeeded.Select(IdOf).Distinct().Where(id => onDaemon.All(i => i.ID != id)))
            if (await client.TryInspectImageAsync(id, ct).ConfigureAwait(false) is { } recorded)
                onDaemon.Add(new global::Docker.DotNet.Models.ImagesListResponse { ID = recorded.ID, RepoTags = recorded.RepoTags, Size = recorded.Size, Created = recorded.Created ?? now.UtcDateTime });
        foreach (var image in onDaemon)
        {
            // Operator tags follow the live and previous images; an image still carrying one is not ours to drop.
            if (image.Tags().Any(t => t == $"{repository}:current" || t == $"{repository}:previous")) continue;
            var record = Newest(image.ID);
            var lastUsed = record is null ? new DateTimeOffset(DateTime.SpecifyKind(image.Created, DateTimeKind.Utc)) : record.End ?? record.Start;
            if (Reason(image.ID, lastUsed) is { } reason)
                items.Add(new DeploymentImage(DeploymentImageKind.Image, image.ID, record?.Version,
                    image.Tags().Where(t => t.StartsWith(repository + ":", StringComparison.Ordinal)).ToList(),
                    null, image.Size, now - lastUsed, reason, removed: false));
        }

        var folder = BackupDirectoryPath(config);
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, $"{Safe(config.Application)}-*.tar"))
            {
                var shortId = Path.GetFileNameWithoutExtension(file).Split('-')[^1];
                var id = keep.Keys.Concat(succeeded.Select(IdOf)).FirstOrDefault(k => ShortId(k) == shortId) ?? "sha256:" + shortId;
                var record = Newest(id);
                var info = new FileInfo(file);
                var lastUsed = record is null ? new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero) : record.End ?? record.Start;
                if (Reason(id, lastUsed) is { } reason)
                    items.Add(new DeploymentImage(DeploymentImageKind.Backup, id, record?.Version, Array.Empty<string>(), file, info.Length,
                        now - lastUsed, reason, removed: false));
            }
        }
        return items.OrderByDescending(i => i.Age).ToList();
    }
}
