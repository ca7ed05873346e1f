using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.State;

/// <summary>Remove-DeploymentHistory on the file store: the deployment's folder goes, all at once.</summary>
internal sealed partial class FileDeploymentStore
{
    public async Task<IReadOnlyList<string>> DescribeHistoryAsync(string deploymentId, CancellationToken ct)
    {
        if (await GetAsync(deploymentId, ct).ConfigureAwait(false) is null) return Array.Empty<string>();
        var directory = Path.Combine(DeploymentsDirectory, deploymentId);
        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
    }

    public async Task RemoveHistoryAsync(string deploymentId, CancellationToken ct)
    {
        if (await GetAsync(deploymentId, ct).ConfigureAwait(false) is null)
            throw new DeployOpsException(ErrorIds.DeploymentNotFound, ErrorKind.ObjectNotFound,
                $"No deployment {deploymentId} of {Application}/{Environment} in {DeploymentsDirectory}.", deploymentId);
        var directory = Path.Combine(DeploymentsDirectory, deploymentId);
        // Renaming first makes the removal atomic for readers: the entry is either whole or gone, never a journal
        // without its record. The trash name starts with '.', which is not a deployment id, so nothing lists it.
        var trash = Path.Combine(DeploymentsDirectory, $".removed-{deploymentId}-{Guid.NewGuid():N}");
        try
        {
            Directory.Move(directory, trash);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.JournalWriteFailed, ErrorKind.ResourceUnavailable,
                $"Cannot remove the history of deployment {deploymentId} ({directory}): {ex.Message}", directory, ex);
        }
        // The index line stays: an entry without a journal is skipped, and rewriting the index would race the
        // appends of other applications sharing this state directory.
        try { Directory.Delete(trash, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.JournalWriteFailed, ErrorKind.ResourceUnavailable,
                $"Deployment {deploymentId} is out of the history, but its files could not all be deleted from {trash}: {ex.Message}",
                trash, ex);
        }
    }
}
