using DeployOps.Engine.Health.Signals;

namespace DeployOps.Engine.Health.Resources;

/// <summary>The source <c>health.resources</c> asks for: a process tree read from /proc, or a container's Docker stats.</summary>
internal static class ResourceSources
{
    public static ISignalSource Create(ResourceSettings settings, TimeProvider clock) =>
        new ProcessResourceSource(settings, clock);
}
