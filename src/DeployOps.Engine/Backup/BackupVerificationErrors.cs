using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Backup;

internal static class BackupVerificationErrors
{
    /// <summary>The non-terminating error a failed verification is reported with; null when it passed.</summary>
    public static DeployOpsError? ToError(this BackupVerification v) => v.Passed ? null
        : new DeployOpsError(v.ChecksumMatched ? ErrorIds.BackupVerificationFailed : ErrorIds.BackupCorrupt,
            v.ChecksumMatched ? ErrorKind.InvalidResult : ErrorKind.InvalidData,
            $"Backup {v.BackupId} failed verification: {v.Summary}", v.BackupId);
}
