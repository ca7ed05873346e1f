namespace DeployOps.Engine.Clients.Docker;

// JSON shapes of the Engine API as far as DeployOps reads them. Docker spells its fields in PascalCase, which is
// also how these properties are named, so no attributes are needed beyond the odd exception.

/// <summary>GET /version.</summary>
internal sealed record DockerVersion(string Version, string ApiVersion, string? MinAPIVersion, string? Os, string? Arch,
    string? KernelVersion, string? GitCommit);

/// <summary>GET /info (only what checks and deployments look at).</summary>
internal sealed record DockerInfo(string? ID, string? Name, string? ServerVersion, string? Driver, string? DockerRootDir,
    int Containers, int ContainersRunning, int Images, int NCPU, long MemTotal, string? OperatingSystem);

/// <summary>The {"message": "..."} body of every daemon error.</summary>
internal sealed record DockerErrorBody(string? Message);

/// <summary>One line of a pull/push/import/load progress stream.</summary>
internal sealed record DockerProgressMessage(string? Status, string? Id, string? Progress, string? Stream, string? Error,
    DockerErrorDetail? ErrorDetail, DockerAux? Aux);

internal sealed record DockerErrorDetail(int? Code, string? Message);

/// <summary>Auxiliary data of a progress stream, e.g. the digest of a push or the id of a loaded image.</summary>
internal sealed record DockerAux(string? Tag, string? Digest, long? Size, string? ID);
