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
public sealed class TestDeploymentBackupCommand : ConfiguredCmdlet
{
    /// <summary>The backup to test (default: the newest backup of the configured database).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Return only $true (verified) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var verification = RunEngine((sink, ct) => new BackupManager(config).VerifyAsync(Id, Quiet ? new QuietSink(sink) : sink, ct));
        if (Quiet)
        {
            if (verification?.Passed != true && verification?.ToError() is { } reason) WriteWarning($"{reason.Message} ({reason.ErrorId})");
            WriteObject(verification?.Passed == true);
            return;
        }
        if (verification is null) return;
        WriteObject(verification);
        if (verification.ToError() is { } error) WriteEngineError(error);
    }

    /// <summary>-Quiet answers one bool whatever happens: no backup, no configuration … is $false, with the reason as a warning.</summary>
    protected override void OnInputFailed(ErrorRecord error)
    {
        if (!Quiet)
        {
            base.OnInputFailed(error);
            return;
        }
        WriteWarning($"{error.Exception.Message} ({error.FullyQualifiedErrorId})");
        WriteObject(false);
    }
}
