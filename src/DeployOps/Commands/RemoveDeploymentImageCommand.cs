using System.Management.Automation;
using DeployOps.Engine.Strategies.Docker;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Removes the application's Docker images and image backups that deployment.docker.retention (or -KeepVersions /
/// -MaxAge) lets go; never the live image, the rollback target or an image a container uses. -WhatIf lists them.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DeploymentImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentImage))]
public sealed class RemoveDeploymentImageCommand : ConfiguredCmdlet
{
    /// <summary>Keep the images of the newest N successful versions (overrides retention.keepVersions).</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int KeepVersions { get; set; }

    /// <summary>Keep what was used within this time (overrides retention.maxAge): 24h, 7d, or a TimeSpan.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? MaxAge { get; set; }

    /// <inheritdoc/>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new ImagePruneOptions { KeepVersions = KeepVersions > 0 ? KeepVersions : null, MaxAge = MaxAge };
        RunEngine((sink, ct) => DockerDeployments.PruneImagesAsync(config, options, sink, ct));
    }
}
