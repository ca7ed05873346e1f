using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Checks.Docker;

/// <summary>Runs the docker check kind: reachability and version, the image, free space in the daemon's data root.</summary>
internal sealed class DockerCheck : ICheck, OnTarget.ITargetableCheck
{
    private readonly DockerHostSettings _daemon;
    private readonly string? _image;
    private readonly bool _pull;
    private readonly long _minFree;

    public DockerCheck(DockerHostSettings daemon, string? image, bool pull, long minFree)
    {
        _daemon = daemon;
        _image = image;
        _pull = pull;
        _minFree = minFree;
    }

    /// <summary>The host as configured (DOCKER_HOST or the default socket resolve at run time), plus the image.</summary>
    public string Target => (_daemon.Host ?? "DOCKER_HOST") + (_image is null ? "" : $" {_image}");

    public ICheck On(Targets.SshTarget target) => new RemoteDockerCheck(target, _daemon.Host, _image, _pull, _minFree);

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?>();
        DockerClient client;
        try
        {
            client = _daemon.CreateClient();
        }
        catch (DeployOpsException ex)
        {
            return CheckOutcome.Fail(ex.Message, data);
        }
        using (client)
        {
            data["host"] = client.Endpoint.Display;
            global::Docker.DotNet.Models.VersionResponse version;
            try
            {
                version = await client.VersionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DeployOpsException ex)
            {
                data["errorId"] = ex.ErrorId;
                return CheckOutcome.Fail(ex.Message, data);
            }
            data["version"] = version.Version;
            data["apiVersion"] = version.APIVersion;
            var found = new List<string> { $"Docker {version.Version} (API {version.APIVersion}) at {client.Endpoint}" };
            var problems = new List<string>();
            var warnings = new List<string>();

            if (_image is not null) await CheckImageAsync(client, data, found, problems, cancellationToken).ConfigureAwait(false);
            await CheckDiskAsync(client, data, found, problems, warnings, cancellationToken).ConfigureAwait(false);

            var summary = string.Join("; ", problems.Concat(warnings).Concat(found));
            return problems.Count > 0 ? CheckOutcome.Fail(summary, data)
                : warnings.Count > 0 ? CheckOutcome.Warn(summary, data)
                : CheckOutcome.Pass(summary, data);
        }
    }

    private async Task CheckImageAsync(DockerClient client, Dictionary<string, object?> data, List<string> found, List<string> problems,
        CancellationToken ct)
    {
        var image = _image!;
        data["image"] = image;
        var local = await client.TryInspectImageAsync(image, ct).ConfigureAwait(false);
        data["imagePulled"] = false;
        if (local is null && _pull)
        {
            try
            {
                await client.PullImageAsync(image, null, ct).ConfigureAwait(false);
                data["imagePulled"] = true;
                local = await client.TryInspectImageAsync(image, ct).ConfigureAwait(false);
            }
            catch (DeployOpsException ex)
            {
                data["errorId"] = ex.ErrorId;
                problems.Add($"image {image} is not present locally and the pull failed: {ex.Message}");
                return;
            }
        }
        if (local is null)
        {
            data["errorId"] = ErrorIds.DockerImageNotFound;
            problems.Add($"image {image} is not present locally (build or load it, or set pull: true to pull it)");
            return;
        }
        data["imageId"] = local.ID;
        found.Add($"image {image} {((bool)data["imagePulled"]! ? "pulled" : "present")} ({ShortId(local.ID)})");
    }

    private async Task CheckDiskAsync(DockerClient client, Dictionary<string, object?> data, List<string> found, List<string> problems,
        List<string> warnings, CancellationToken ct)
    {
        var info = await client.InfoAsync(ct).ConfigureAwait(false);
        var root = info.DockerRootDir;
        data["rootDir"] = root;
        data["minFree"] = _minFree;
        // The data root is a path on the daemon's machine: measurable here only when that machine is this one.
        long? free = null;
        if (!client.Endpoint.IsLocal)
            warnings.Add($"the daemon at {client.Endpoint} is remote; free space in its data root {root ?? "(not reported)"} not checked");
        else if (root is not null && Directory.Exists(root))
        {
            try
            {
                free = new DriveInfo(root).AvailableFreeSpace;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                warnings.Add($"cannot measure free space in {root}: {ex.Message}");
            }
        }
        else warnings.Add($"the Docker data root {root ?? "(not reported)"} is not visible from here; free space not checked");
        if (free is null) return;
        data["freeBytes"] = free.Value;
        var text = $"{ValueParsers.FormatSize(free.Value)} free in {root}";
        if (free.Value < _minFree) problems.Add($"only {text} (minFree {ValueParsers.FormatSize(_minFree)})");
        else found.Add(text);
    }

    private static string ShortId(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) && id.Length > 19 ? id[..19] : id;
}
