using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Strategies.Steps;

namespace DeployOps.Engine.Strategies.Docker;

internal static partial class DockerDeployments
{
    /// <summary>
    /// The image the targets' containers run now (Invoke-Deployment -RecordOnly): every target must have a running
    /// container, all of the same image id; that id is what a later rollback to the baseline version starts again.
    /// </summary>
    internal static async Task<(string ImageId, string Reference, IReadOnlyList<string> Details)> LiveImageAsync(ConfigModel config,
        IReadOnlyList<(DeploymentTarget Target, bool IsSlot)> targets, string version, CancellationToken ct)
    {
        var settings = config.Deployment.Docker!;
        using var client = settings.CreateClient();
        var found = new List<(string Target, string Container, string ImageId, string Reference)>();
        foreach (var (target, isSlot) in targets)
        {
            var context = new StepContext(version, null, isSlot ? target.Name : null, isSlot ? null : target.Name, target.Host, target.Port);
            var name = ContainerName(settings, config, context);
            global::Docker.DotNet.Models.ContainerInspectResponse? container;
            try
            {
                container = await client.TryInspectContainerAsync(name, ct).ConfigureAwait(false);
            }
            catch (DeployOpsException ex)
            {
                throw DeploymentBaseline.Unreadable(config, $"the Docker daemon at {client.Endpoint} did not answer for container {name} ({ex.Message})", name, ex);
            }
            if (container is null)
                throw DeploymentBaseline.Unreadable(config, $"{target} has no container {name} on the daemon at {client.Endpoint}", name);
            if (container.State?.Running != true)
                throw DeploymentBaseline.Unreadable(config, $"container {name} of {target} is {container.State?.Status}, not running", name);
            found.Add((target.Name, name, container.Image, container.Config?.Image ?? container.Image));
        }
        var images = found.Select(f => f.ImageId).Distinct(StringComparer.Ordinal).ToList();
        if (images.Count != 1)
            throw DeploymentBaseline.Unreadable(config, "the targets run different images (" +
                string.Join(", ", found.Select(f => $"{f.Container}: {f.Reference} {f.ImageId}")) + "); a baseline is one version", found[0].Container);
        return (images[0], found[0].Reference, found.Select(f => $"container {f.Container} on {f.Target}: {f.Reference} ({f.ImageId})").ToList());
    }
}
