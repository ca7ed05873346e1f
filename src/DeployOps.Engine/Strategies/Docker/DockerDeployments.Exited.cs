using DeployOps.Engine.Audit;
using DeployOps.Engine.Clients.Docker;
using DeployOps.Engine.Hosting;
using Docker.DotNet.Models;

namespace DeployOps.Engine.Strategies.Docker;

internal static partial class DockerDeployments
{
    /// <summary>
    /// The new container exited (at once, or it crash-loops under its restart policy): it is stopped, so the loop
    /// ends, its restart policy set to "no" where the daemon allows, and it is kept (stopped) for <c>docker logs</c>. The error carries the exit code, the restart count and the log tail read after the stop.
    /// </summary>
    private static async Task<DeployOpsException> ExitedAsync(DeploymentRun run, DockerDeploymentSettings settings, DockerClient client,
        string name, string target, ContainerInspectResponse state, CancellationToken ct)
    {
        string stopped;
        try
        {
            stopped = await client.EndRestartLoopAsync(name, settings.StopTimeout, ct).ConfigureAwait(false)
                ? "It is stopped (restart policy set to no) and kept for docker logs."
                : "It is stopped and kept for docker logs (the daemon kept its restart policy: a daemon restart may start it again).";
            AuditLog.For(run.Config).Write(Command, Redact(run.Config, $"Stop exited container {name}"), name, "Succeeded", null, run.Id);
            state = await client.InspectContainerAsync(name, ct).ConfigureAwait(false);
        }
        catch (DeployOpsException ex)
        {
            stopped = $"It could not be stopped ({ex.Message}): stop it with docker stop {name}.";
        }
        var exit = state.State;
        var restarts = state.RestartCount > 0 ? $" after {state.RestartCount} restart(s) by its restart policy" : "";
        var error = string.IsNullOrEmpty(exit?.Error) ? "" : ": " + exit.Error;
        var oom = exit?.OOMKilled == true ? " (killed for lack of memory: docker.memory)" : "";
        return new DeployOpsException(ErrorIds.ContainerExited, ErrorKind.InvalidResult, Redact(run.Config,
            $"Container {name} on {target} ({run.Version}) exited with exit code {exit?.ExitCode}{oom}{restarts}{error}. {stopped} " +
            $"Log tail:\n{await LogTailAsync(client, name, ct).ConfigureAwait(false)}"), target);
    }
}
