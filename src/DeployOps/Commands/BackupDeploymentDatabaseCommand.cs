using System.Management.Automation;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Dumps the configured PostgreSQL database (pg_dump custom format) into the backup directory with a manifest of
/// checksums, exact row counts and the migration head, then applies retention. -Verify also proves it restorable.
/// </summary>
[Cmdlet(VerbsData.Backup, "DeploymentDatabase", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentBackup))]
public sealed class BackupDeploymentDatabaseCommand : ConfiguredCmdlet
{
    /// <summary>Restore the new backup into a scratch database and record the verdict in its manifest.</summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    /// <summary>Why the backup is taken (recorded in the manifest and the audit log).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "manual";

    /// <summary>Keep every existing backup this time (backup.retention is not applied).</summary>
    [Parameter]
    public SwitchParameter NoRetention { get; set; }

    /// <summary>Output the DeploymentBackup.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Backs up the database of this pipeline input's configuration and writes the DeploymentBackup.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new BackupOptions { Verify = Verify, Reason = Reason, ApplyRetention = !NoRetention };
        var backup = RunEngine((sink, ct) => BackupOperations.BackupAsync(config, options, sink, ct));
        if (PassThru && backup is not null) WriteObject(backup);
    }
}
