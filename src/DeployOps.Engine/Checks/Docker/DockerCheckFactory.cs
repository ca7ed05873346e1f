using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Docker;

/// <summary>
/// <c>kind: docker</c> — the daemon answers, the image is present (or pullable with <c>pull: true</c>) and the
/// Docker data root has <c>minFree</c> bytes available. Keys: image, pull, minFree, and the daemon keys shared with
/// <c>deployment.docker</c> (<see cref="DockerHostSettings"/>: host, tls, insecurePlainTcp, ssh).
/// </summary>
internal sealed class DockerCheckFactory : ICheckFactory
{
    public const long DefaultMinFree = 10_000_000_000;

    public string Kind => "docker";
    public string DefaultCategory => "Service";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var daemon = DockerHostSettings.Read(options);
        var image = options.String("image");
        var pull = options.Bool("pull", false);
        if (pull && image is null) options.Error("pull", "pull: true needs an image to pull");
        var minFree = options.Size("minFree", DefaultMinFree);
        return new DockerCheck(daemon, image, pull, minFree);
    }
}
