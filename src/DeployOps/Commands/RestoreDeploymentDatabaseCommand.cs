using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Replaces the configured database with a backup: safety backup first, stopApp, terminate connections, restore
/// (clean or swap), verify row counts against the manifest, startApp. A failure says what state the database is in.
/// </summary>
[Cmdlet(VerbsData.Restore, "DeploymentDatabase", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DatabaseRestoreResult))]
public sealed class RestoreDeploymentDatabaseCommand : ConfiguredCmdlet
{
    /// <summary>The backup to restore (default: the newest backup of the configured database).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Do not back up the current database before replacing it.</summary>
    [Parameter]
    public SwitchParameter NoSafetyBackup { get; set; }

    /// <summary>Restores the backup -Id into this pipeline input's configured database and writes the
    /// DatabaseRestoreResult.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new RestoreOptions { Id = Id, NoSafetyBackup = NoSafetyBackup };
        var result = RunEngine((sink, ct) => BackupOperations.RestoreAsync(config, options, sink, ct));
        if (result is not null) WriteObject(result);
    }
}
