using System.Net.Http.Headers;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.Clients.Docker;

internal sealed partial class DockerClient
{
    /// <summary>GET /images/json, optionally only images matching a reference pattern ("app", "app:*").</summary>
    public Task<IReadOnlyList<DockerImageSummary>> ListImagesAsync(string? reference, CancellationToken ct)
    {
        var filters = reference is null ? null : FiltersJson(("reference", new[] { reference }));
        return GetJsonAsync<IReadOnlyList<DockerImageSummary>>("images/json" + Query(("filters", filters)), "list images on",
            Endpoint.Display, ErrorScope.Daemon, ct);
    }

    /// <summary>GET /images/{name}/json; DockerImageNotFound when there is no such image locally.</summary>
    public Task<DockerImageInspect> InspectImageAsync(string image, CancellationToken ct) =>
        GetJsonAsync<DockerImageInspect>($"images/{Escape(image)}/json", "inspect image", image, ErrorScope.Image, ct);

    /// <summary>The image, or null when it is not present locally.</summary>
    public async Task<DockerImageInspect?> TryInspectImageAsync(string image, CancellationToken ct)
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

    /// <summary>POST /images/{name}/tag: gives <paramref name="image"/> (name or id) the reference repository:tag.</summary>
    public async Task TagImageAsync(string image, string repository, string tag, CancellationToken ct)
    {
        using var _ = await SendAsync(HttpMethod.Post, $"images/{Escape(image)}/tag" + Query(("repo", repository), ("tag", tag)), null,
            $"tag as {repository}:{tag} the image", image, ErrorScope.Image, ct).ConfigureAwait(false);
    }

    /// <summary>DELETE /images/{name}: untags (and deletes when no tag is left). Force also removes images used by stopped containers.</summary>
    public async Task<IReadOnlyList<DockerImageDeleteItem>> RemoveImageAsync(string image, bool force, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"images/{Escape(image)}" + Query(("force", Flag(force))), null,
            "remove image", image, ErrorScope.Image, ct).ConfigureAwait(false);
        return await ReadJsonAsync<IReadOnlyList<DockerImageDeleteItem>>(response, "remove image", image, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// GET /images/get (docker save): streams a tar of the images to <paramref name="path"/>, written beside it first
    /// and renamed when complete so a cancelled or failed save never leaves a truncated archive under the real name.
    /// </summary>
    public async Task<long> SaveImagesAsync(IReadOnlyList<string> images, string path, CancellationToken ct)
    {
        var target = string.Join(", ", images);
        var query = string.Join("&", images.Select(i => "names=" + Uri.EscapeDataString(i)));
        var partial = path + ".partial";
        using var response = await SendAsync(HttpMethod.Get, "images/get?" + query, null, "save image", target, ErrorScope.Image, ct,
            HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        try
        {
            long length;
            await using (var source = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            await using (var file = PrivateFiles.Open(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(file, 1 << 16, ct).ConfigureAwait(false);
                await file.FlushAsync(ct).ConfigureAwait(false);
                length = file.Length;
            }
            File.Move(partial, path, overwrite: true);
            return length;
        }
        catch (IOException ex) when (!ct.IsCancellationRequested && ex is not FileNotFoundException && ex is not DirectoryNotFoundException)
        {
            TryDelete(partial);
            throw Unreachable(ex);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
    }

    /// <summary>POST /images/load (docker load) from a tar file; returns the references (or ids) the daemon loaded.</summary>
    public async Task<IReadOnlyList<string>> LoadImagesAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var content = new StreamContent(file, 1 << 16);
        content.Headers.ContentType = TarMediaType;
        using var response = await SendAsync(HttpMethod.Post, "images/load?quiet=1", content, "load images from", path, ErrorScope.Daemon, ct,
            HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var messages = await ReadProgressAsync(response, "load images from", path, false, null, ct).ConfigureAwait(false);
        const string named = "Loaded image: ", byId = "Loaded image ID: ";
        return messages.Select(m => m.Stream?.Trim())
            .Select(s => s is null ? null : s.StartsWith(byId, StringComparison.Ordinal) ? s[byId.Length..]
                : s.StartsWith(named, StringComparison.Ordinal) ? s[named.Length..] : null)
            .OfType<string>().ToList();
    }

    /// <summary>
    /// POST /images/create?fromImage= (docker pull). Progress lines go to <paramref name="onProgress"/>; an error in
    /// the stream (unknown image, registry down) fails the pull, a missing image as DockerImageNotFound.
    /// </summary>
    public async Task<DockerPullResult> PullImageAsync(string image, Action<DockerProgressMessage>? onProgress, CancellationToken ct)
    {
        var (repository, tag) = SplitReference(image);
        using var response = await SendAsync(HttpMethod.Post, "images/create" + Query(("fromImage", repository), ("tag", tag)), null,
            "pull image", image, ErrorScope.Image, ct, HttpCompletionOption.ResponseHeadersRead, registryAuth: true).ConfigureAwait(false);
        var messages = await ReadProgressAsync(response, "pull image", image, true, onProgress, ct).ConfigureAwait(false);
        const string digestPrefix = "Digest: ";
        var digest = messages.Select(m => m.Status).LastOrDefault(s => s?.StartsWith(digestPrefix, StringComparison.Ordinal) == true);
        return new DockerPullResult(image, digest?[digestPrefix.Length..], messages.LastOrDefault(m => m.Status is not null)?.Status);
    }

    /// <summary>POST /images/{name}/push to the registry named in the image reference; returns the pushed digest.</summary>
    public async Task<string?> PushImageAsync(string image, Action<DockerProgressMessage>? onProgress, CancellationToken ct)
    {
        var (repository, tag) = SplitReference(image);
        using var response = await SendAsync(HttpMethod.Post, $"images/{Escape(repository)}/push" + Query(("tag", tag)), null,
            "push image", image, ErrorScope.Image, ct, HttpCompletionOption.ResponseHeadersRead, registryAuth: true).ConfigureAwait(false);
        var messages = await ReadProgressAsync(response, "push image", image, false, onProgress, ct).ConfigureAwait(false);
        return messages.Select(m => m.Aux?.Digest).LastOrDefault(d => d is not null);
    }

    /// <summary>
    /// POST /images/create?fromSrc=- (docker import): makes a single-layer image from a root filesystem tar, with an
    /// optional CMD. Returns the new image id.
    /// </summary>
    public async Task<string> ImportImageAsync(Stream rootfsTar, string repository, string tag, IReadOnlyList<string>? changes, CancellationToken ct)
    {
        using var content = new StreamContent(rootfsTar, 1 << 16);
        content.Headers.ContentType = TarMediaType;
        var query = Query(("fromSrc", "-"), ("repo", repository), ("tag", tag));
        if (changes is not null) query += string.Concat(changes.Select(c => "&changes=" + Uri.EscapeDataString(c)));
        using var response = await SendAsync(HttpMethod.Post, "images/create" + query, content, "import image", $"{repository}:{tag}",
            ErrorScope.Daemon, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var messages = await ReadProgressAsync(response, "import image", $"{repository}:{tag}", false, null, ct).ConfigureAwait(false);
        return messages.Select(m => m.Status?.Trim()).LastOrDefault(s => s?.StartsWith("sha256:", StringComparison.Ordinal) == true)
            ?? (await InspectImageAsync($"{repository}:{tag}", ct).ConfigureAwait(false)).Id;
    }

    /// <summary>Splits "host:5000/app:1.2" into ("host:5000/app", "1.2"); digests ("app@sha256:…") stay whole with no tag.</summary>
    internal static (string Repository, string? Tag) SplitReference(string image)
    {
        if (image.Contains('@')) return (image, null);
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static string FiltersJson(params (string Name, string[] Values)[] filters) =>
        System.Text.Json.JsonSerializer.Serialize(filters.ToDictionary(f => f.Name, f => f.Values));

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
