using DeployOps.Engine.Hosting;
using DeployOps.Engine.Security;
using Docker.DotNet.Models;

namespace DeployOps.Engine.Clients.Docker;

internal sealed partial class DockerClient
{
    /// <summary>Local images, optionally only those matching a reference pattern ("app", "app:*").</summary>
    public async Task<IReadOnlyList<ImagesListResponse>> ListImagesAsync(string? reference, CancellationToken ct)
    {
        var parameters = new ImagesListParameters
        {
            Filters = reference is null ? null : new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [reference] = true } },
        };
        return (await CallAsync((api, t) => api.Images.ListImagesAsync(parameters, t), "list images on", Endpoint.Display, ErrorScope.Daemon, ct)
            .ConfigureAwait(false)).ToList();
    }

    /// <summary>DockerImageNotFound when there is no such image locally.</summary>
    public Task<ImageInspectResponse> InspectImageAsync(string image, CancellationToken ct) =>
        CallAsync((api, t) => api.Images.InspectImageAsync(image, t), "inspect image", image, ErrorScope.Image, ct);

    /// <summary>The image, or null when it is not present locally.</summary>
    public async Task<ImageInspectResponse?> TryInspectImageAsync(string image, CancellationToken ct)
    {
        try
        {
            return await InspectImageAsync(image, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex) when (ex.ErrorId == ErrorIds.DockerImageNotFound)
        {
            return null;
        }
    }

    /// <summary>Gives <paramref name="image"/> (name or id) the reference repository:tag.</summary>
    public Task TagImageAsync(string image, string repository, string tag, CancellationToken ct) =>
        CallAsync((api, t) => api.Images.TagImageAsync(image, new ImageTagParameters { RepositoryName = repository, Tag = tag }, t),
            $"tag as {repository}:{tag} the image", image, ErrorScope.Image, ct);

    /// <summary>Untags (and deletes when no tag is left). Force also removes images used by stopped containers.</summary>
    public async Task<IReadOnlyList<DockerImageDeleteItem>> RemoveImageAsync(string image, bool force, CancellationToken ct)
    {
        var items = await CallAsync((api, t) => api.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = force }, t),
            "remove image", image, ErrorScope.Image, ct).ConfigureAwait(false);
        return items.Select(i => new DockerImageDeleteItem(i.TryGetValue("Untagged", out var u) ? u : null, i.TryGetValue("Deleted", out var d) ? d : null))
            .ToList();
    }

    /// <summary>
    /// docker save: streams a tar of the images to <paramref name="path"/>, written beside it first and renamed when
    /// complete so a cancelled or failed save never leaves a truncated archive under the real name.
    /// </summary>
    public Task<long> SaveImagesAsync(IReadOnlyList<string> images, string path, CancellationToken ct) =>
        CallAsync(async (api, t) =>
        {
            var partial = path + ".partial";
            try
            {
                long length;
                await using (var source = await api.Images.SaveImagesAsync(images.ToArray(), t).ConfigureAwait(false))
                await using (var file = PrivateFiles.Open(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    await source.CopyToAsync(file, 1 << 16, t).ConfigureAwait(false);
                    await file.FlushAsync(t).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                    length = file.Length;
                }
                File.Move(partial, path, overwrite: true);
                return length;
            }
            catch
            {
                TryDelete(partial);
                throw;
            }
        }, "save image", string.Join(", ", images), ErrorScope.Image, ct);

    /// <summary>docker load from a tar file; returns the references (or ids) the daemon loaded.</summary>
    public Task<IReadOnlyList<string>> LoadImagesAsync(string path, CancellationToken ct) =>
        CallAsync<IReadOnlyList<string>>(async (api, t) =>
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var progress = new ProgressStream("load images from", path, notFoundMeansImage: false, null);
            await api.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, file, progress, t).ConfigureAwait(false);
            progress.ThrowIfFailed();
            const string named = "Loaded image: ", byId = "Loaded image ID: ";
            return progress.Messages.Select(m => m.Stream?.Trim())
                .Select(s => s is null ? null : s.StartsWith(byId, StringComparison.Ordinal) ? s[byId.Length..]
                    : s.StartsWith(named, StringComparison.Ordinal) ? s[named.Length..] : null)
                .OfType<string>().ToList();
        }, "load images from", path, ErrorScope.Daemon, ct);

    /// <summary>
    /// docker pull. Progress lines go to <paramref name="onProgress"/>; an error in the stream (unknown image,
    /// registry down) fails the pull, a missing image as DockerImageNotFound. Returns the digest the registry reported.
    /// </summary>
    public Task<DockerPullResult> PullImageAsync(string image, Action<JSONMessage>? onProgress, CancellationToken ct) =>
        CallAsync(async (api, t) =>
        {
            var (repository, tag) = SplitReference(image);
            var progress = new ProgressStream("pull image", image, notFoundMeansImage: true, onProgress);
            await api.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, new AuthConfig(), progress, t)
                .ConfigureAwait(false);
            progress.ThrowIfFailed();
            const string digestPrefix = "Digest: ";
            var digest = progress.Messages.Select(m => m.Status).LastOrDefault(s => s?.StartsWith(digestPrefix, StringComparison.Ordinal) == true);
            return new DockerPullResult(image, digest?[digestPrefix.Length..], progress.Messages.LastOrDefault(m => m.Status is not null)?.Status);
        }, "pull image", image, ErrorScope.Image, ct);

    /// <summary>Pushes to the registry named in the image reference; returns the pushed digest.</summary>
    public Task<string?> PushImageAsync(string image, Action<JSONMessage>? onProgress, CancellationToken ct) =>
        CallAsync(async (api, t) =>
        {
            var (repository, tag) = SplitReference(image);
            var progress = new ProgressStream("push image", image, notFoundMeansImage: false, onProgress);
            await api.Images.PushImageAsync(repository, new ImagePushParameters { Tag = tag }, new AuthConfig(), progress, t).ConfigureAwait(false);
            progress.ThrowIfFailed();
            return progress.Messages.Select(m => (m.Aux?.ExtensionData is { } aux && aux.TryGetValue("Digest", out var digest) ? digest?.ToString() : null)).LastOrDefault(d => d is not null);
        }, "push image", image, ErrorScope.Image, ct);

    /// <summary>docker import: a single-layer image from a root filesystem tar, with optional Dockerfile changes. Returns the new image id.</summary>
    public async Task<string> ImportImageAsync(Stream rootfsTar, string repository, string tag, IReadOnlyList<string>? changes, CancellationToken ct)
    {
        var target = $"{repository}:{tag}";
        var status = await CallAsync(async (api, t) =>
        {
            var progress = new ProgressStream("import image", target, notFoundMeansImage: false, null);
            var parameters = new ImagesCreateParameters { Repo = repository, Tag = tag, Changes = changes?.ToList() };
            await api.Images.CreateImageAsync(parameters, rootfsTar, null, progress, t).ConfigureAwait(false);
            progress.ThrowIfFailed();
            return progress.Messages.Select(m => m.Status?.Trim()).LastOrDefault(s => s?.StartsWith("sha256:", StringComparison.Ordinal) == true);
        }, "import image", target, ErrorScope.Daemon, ct).ConfigureAwait(false);
        return status ?? (await InspectImageAsync(target, ct).ConfigureAwait(false)).ID;
    }

    /// <summary>Splits "host:5000/app:1.2" into ("host:5000/app", "1.2"); digests ("app@sha256:…") stay whole with no tag.</summary>
    internal static (string Repository, string? Tag) SplitReference(string image)
    {
        if (image.Contains('@')) return (image, null);
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Collects a pull/push/import/load progress stream. The daemon reports failures inside the stream with HTTP 200
    /// already sent, so the first "error" line is kept and thrown once the stream ends.
    /// </summary>
    private sealed class ProgressStream : IProgress<JSONMessage>
    {
        private readonly string _action;
        private readonly string _target;
        private readonly bool _notFoundMeansImage;
        private readonly Action<JSONMessage>? _onProgress;
        private string? _error;

        public ProgressStream(string action, string target, bool notFoundMeansImage, Action<JSONMessage>? onProgress)
        {
            _action = action;
            _target = target;
            _notFoundMeansImage = notFoundMeansImage;
            _onProgress = onProgress;
        }

        public List<JSONMessage> Messages { get; } = new();

        public void Report(JSONMessage value)
        {
            if (value.Error?.Message is { Length: > 0 } error)
            {
                _error ??= error.Trim();
                return;
            }
            Messages.Add(value);
            _onProgress?.Invoke(value);
        }

        public void ThrowIfFailed()
        {
            if (_error is null) return;
            var missing = _notFoundMeansImage && LooksLikeMissingImage(_error);
            throw new DeployOpsException(missing ? ErrorIds.DockerImageNotFound : ErrorIds.DockerStreamFailed,
                missing ? ErrorKind.ObjectNotFound : ErrorKind.InvalidResult, $"Docker could not {_action} '{_target}': {_error}", _target);
        }

        private static bool LooksLikeMissingImage(string error) =>
            error.Contains("not found", StringComparison.OrdinalIgnoreCase)
            || error.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase)
            || error.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
            || error.Contains("repository name not known", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>One entry of an image removal: what was untagged or deleted.</summary>
internal sealed record DockerImageDeleteItem(string? Untagged, string? Deleted);

/// <summary>What a pull ended with: the last status line and the digest the registry reported.</summary>
internal sealed record DockerPullResult(string Image, string? Digest, string? LastStatus);
