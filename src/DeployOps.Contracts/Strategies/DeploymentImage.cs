namespace DeployOps.Engine.Strategies.Docker;

/// <summary>What a pruned item is: an image on the Docker daemon or an image backup (docker save tar) on disk.</summary>
public enum DeploymentImageKind
{
    /// <summary>An image of the application's repository (or one its history recorded) on the daemon.</summary>
    Image,
    /// <summary>A tar in the state directory's image-backups written by <c>imageBackup: true</c>.</summary>
    Backup,
}

/// <summary>
/// One image or image backup that retention removed (or, under -WhatIf, would remove), written by
/// Remove-DeploymentImage and journaled by a deployment's image-tags phase.
/// </summary>
public sealed class DeploymentImage
{
    internal DeploymentImage(DeploymentImageKind kind, string imageId, string? version, IReadOnlyList<string> tags, string? path, long bytes,
        TimeSpan age, string reason, bool removed)
    {
        Kind = kind;
        ImageId = imageId;
        Version = version;
        Tags = tags;
        Path = path;
        Bytes = bytes;
        Age = age;
        Reason = reason;
        Removed = removed;
    }

    /// <summary>Image or Backup.</summary>
    public DeploymentImageKind Kind { get; }
    /// <summary>The image id (sha256:…); for a backup, the id of the image it holds.</summary>
    public string ImageId { get; }
    /// <summary>The version history recorded for this image, or null when no deployment recorded it.</summary>
    public string? Version { get; }
    /// <summary>The image's repository:tag names on the daemon (empty for a backup or an untagged image).</summary>
    public IReadOnlyList<string> Tags { get; }
    /// <summary>The backup file (null for an image).</summary>
    public string? Path { get; }
    /// <summary>Image size on the daemon, or the backup file's size.</summary>
    public long Bytes { get; }
    /// <summary>Time since a deployment last recorded the image (else since it was created or saved).</summary>
    public TimeSpan Age { get; }
    /// <summary>Why retention lets it go ("not among the last 3 versions, unused for 2d").</summary>
    public string Reason { get; }
    /// <summary>True once removed; false under -WhatIf, where the item is only listed.</summary>
    public bool Removed { get; }

    /// <summary>The deployops.yaml this came from (set by the engine): piped to another DeployOps cmdlet it selects
    /// that configuration (bound by property name to -ConfigPath), from any current location.</summary>
    public string? ConfigPath { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {ImageId}{(Version is null ? "" : $" ({Version})")}{(Path is null ? "" : $" {Path}")}";
}
