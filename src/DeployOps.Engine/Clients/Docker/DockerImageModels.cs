namespace DeployOps.Engine.Clients.Docker;

/// <summary>GET /images/json entry.</summary>
internal sealed record DockerImageSummary(string Id, IReadOnlyList<string>? RepoTags, IReadOnlyList<string>? RepoDigests,
    long Created, long Size, IReadOnlyDictionary<string, string>? Labels)
{
    public IReadOnlyList<string> Tags => RepoTags ?? Array.Empty<string>();
}

/// <summary>GET /images/{name}/json.</summary>
internal sealed record DockerImageInspect(string Id, IReadOnlyList<string>? RepoTags, IReadOnlyList<string>? RepoDigests,
    string? Created, long Size, string? Architecture, string? Os, DockerImageConfig? Config)
{
    public IReadOnlyList<string> Tags => RepoTags ?? Array.Empty<string>();
    public IReadOnlyList<string> Digests => RepoDigests ?? Array.Empty<string>();
}

internal sealed record DockerImageConfig(IReadOnlyList<string>? Env, IReadOnlyList<string>? Cmd, IReadOnlyList<string>? Entrypoint,
    IReadOnlyDictionary<string, string>? Labels, string? WorkingDir, string? User);

/// <summary>One entry of DELETE /images/{name}: what was untagged or deleted.</summary>
internal sealed record DockerImageDeleteItem(string? Untagged, string? Deleted);

/// <summary>What a pull ended with: the last status line and the digest the registry reported.</summary>
internal sealed record DockerPullResult(string Image, string? Digest, string? LastStatus);
