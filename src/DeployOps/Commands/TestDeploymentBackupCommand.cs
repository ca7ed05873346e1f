using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Proves a backup restorable: checks its sha256, restores it into a scratch database (always dropped), compares
/// row counts with the manifest and runs backup.verifyQuery; the verdict is stored in the manifest.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeploymentBackup", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BackupVerification), typeof(bool))]
public sealed class TestDeploymentBackupCommand : QuietTestCmdlet
{
    /// <summary>The backup to test (default: the newest backup of the configured database).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Verifies the backup -Id of this pipeline input's configuration by restoring it into a scratch
    /// database.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var verification = RunEngine((sink, ct) => BackupOperations.VerifyAsync(config, Id, Quieted(sink), ct));
        if (Quiet)
        {
            WriteQuietAnswer(verification?.Passed == true, verification?.ToError());
            return;
        }
        if (verification is null) return;
        WriteObject(verification);
        if (verification.ToError() is { } error) WriteEngineError(error);
    }
}
