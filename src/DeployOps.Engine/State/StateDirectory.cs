using DeployOps.Engine.Hosting;
using DeployOps.Engine.Security;

namespace DeployOps.Engine.State;

/// <summary>Creates the state directory on first use, readable by its owner only (it holds audit lines and backups).</summary>
internal static class StateDirectory
{
    public static string Ensure(string directory)
    {
        try
        {
            return PrivateFiles.EnsureDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployOpsException(ErrorIds.StateDirectoryUnavailable, ErrorKind.PermissionDenied,
                $"Cannot create the state directory {directory}: {ex.Message}", directory, ex);
        }
    }

    /// <summary>A subfolder (journal, locks, backups…) with the same restrictive mode.</summary>
    public static string Sub(string directory, string name) => Ensure(Path.Combine(Ensure(directory), name));
}
