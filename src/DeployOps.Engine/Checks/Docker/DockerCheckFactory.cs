using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Checks.Docker;

/// <summary>
/// <c>kind: docker</c> — the daemon answers, the image is present (or pullable with <c>pull: true</c>) and the
/// Docker data root has <c>minFree</c> bytes available. Keys: host, image, pull, minFree.
/// </summary>
internal sealed class DockerCheckFactory : ICheckFactory
{
    public const long DefaultMinFree = 10_000_000_000;

    public string Kind => "docker";
    public string DefaultCategory => "Service";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var host = options.String("host");
        if (host is not null)
        {
            try
            {
                DockerEndpoint.Parse(host);
            }
            catch (DeployOpsException ex)
            {
                options.Error("host", ex.Message);
            }
        }
        var image = options.String("image");
        var pull = options.Bool("pull", false);
        if (pull && image is null) options.Error("pull", "pull: true needs an image to pull");
        var minFree = options.Size("minFree", DefaultMinFree);
        return new DockerCheck(host, image, pull, minFree);
    }
}
