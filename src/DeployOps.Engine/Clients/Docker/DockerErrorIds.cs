namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>The Docker daemon's socket is missing, refuses connections or cannot be opened.</summary>
    public const string DockerUnreachable = "DockerUnreachable";
    /// <summary>The daemon answered with an error not covered by a more specific id (its status code is kept).</summary>
    public const string DockerApiError = "DockerApiError";
    /// <summary>No such image locally (or, for a pull, in the registry).</summary>
    public const string DockerImageNotFound = "DockerImageNotFound";
    /// <summary>No such container.</summary>
    public const string DockerContainerNotFound = "DockerContainerNotFound";
    /// <summary>The daemon refused because of a conflict (name in use, image used by a container, …).</summary>
    public const string DockerConflict = "DockerConflict";
    /// <summary>A pull, push, import or load reported an error in its progress stream.</summary>
    public const string DockerStreamFailed = "DockerStreamFailed";
    /// <summary>DOCKER_HOST (or a configured host) is malformed, plain tcp to another host without the insecure opt-in, or names a missing TLS file.</summary>
    public const string DockerHostInvalid = "DockerHostInvalid";
    /// <summary>The daemon speaks an Engine API older than 1.41.</summary>
    public const string DockerApiVersionUnsupported = "DockerApiVersionUnsupported";
}
