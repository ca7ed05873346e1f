namespace DeployOps.Engine.Hosting;

public static partial class ErrorIds
{
    /// <summary>A deployed container's Docker healthcheck reported unhealthy, or did not settle within healthcheck.timeout.</summary>
    public const string ContainerUnhealthy = "ContainerUnhealthy";
    /// <summary>A deployed container stopped right after it was started (its exit code and log tail are in the message).</summary>
    public const string ContainerExited = "ContainerExited";
    /// <summary>History says a version ran an image id that is no longer on the daemon and has no image backup.</summary>
    public const string RecordedImageMissing = "RecordedImageMissing";
    /// <summary>Remove-DeploymentImage without a rule: no deployment.docker.retention and neither -KeepVersions nor -MaxAge.</summary>
    public const string ImageRetentionNotConfigured = "ImageRetentionNotConfigured";
}
