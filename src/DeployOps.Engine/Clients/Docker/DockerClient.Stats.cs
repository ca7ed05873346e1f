using DeployOps.Engine.Hosting;
using Docker.DotNet.Models;

namespace DeployOps.Engine.Clients.Docker;

internal sealed partial class DockerClient
{
    /// <summary>
    /// One stats reading of <paramref name="container"/> (stream=false): the daemon samples twice about a second
    /// apart, so the reading carries the previous CPU figures (precpu_stats, preread) to take a rate from.
    /// </summary>
    public Task<ContainerStatsResponse> ContainerStatsAsync(string container, CancellationToken ct) =>
        CallAsync(async (api, t) =>
        {
            ContainerStatsResponse? reading = null;
            await api.Containers.GetContainerStatsAsync(container, new ContainerStatsParameters { Stream = false },
                new Progress(r => reading = r), t).ConfigureAwait(false);
            return reading ?? throw new DeployOpsException(ErrorIds.DockerApiError, ErrorKind.InvalidData,
                $"Docker answered no stats for container {container}", container);
        }, "read the stats of container", container, ErrorScope.Container, ct);

    /// <summary>Synchronous progress: the reading is there when the call returns (Progress&lt;T&gt; would post it later).</summary>
    private sealed class Progress(Action<ContainerStatsResponse> report) : IProgress<ContainerStatsResponse>
    {
        public void Report(ContainerStatsResponse value) => report(value);
    }
}
