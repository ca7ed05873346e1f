namespace DeployOps.Engine.Strategies.Docker;

/// <summary>Which image a version runs as, and how DeployOps knows (<see cref="DockerDeployments.ResolveImageForVersionAsync"/>).</summary>
internal sealed class ContainerImage
{
    internal ContainerImage(string version, string reference, string imageId, ContainerImageSource source, string? deploymentId)
    {
        Version = version;
        Reference = reference;
        ImageId = imageId;
        Source = source;
        DeploymentId = deploymentId;
    }

    public string Version { get; }
    /// <summary>The reference the id came from (e.g. shop:1.4.2); for history, the reference recorded back then.</summary>
    public string Reference { get; }
    /// <summary>The image id (sha256:…) containers are created from.</summary>
    public string ImageId { get; }
    public ContainerImageSource Source { get; }
    /// <summary>The deployment whose record named this image (Source History or Backup).</summary>
    public string? DeploymentId { get; }

    public override string ToString() => $"{Version}: {Reference} ({ImageId}, {Source})";
}

internal enum ContainerImageSource
{
    /// <summary>The image id an earlier successful deployment of this version recorded; tags are not consulted.</summary>
    History,
    /// <summary>The recorded image was gone from the daemon and was loaded back from its image backup.</summary>
    Backup,
    /// <summary>The version was never deployed: the image template's tag, present locally.</summary>
    Tag,
    /// <summary>The version was never deployed: the image template's tag, pulled from its registry.</summary>
    Pulled,
}
