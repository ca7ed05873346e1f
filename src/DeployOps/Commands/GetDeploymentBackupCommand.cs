using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>Lists the database backups in the backup directory, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "DeploymentBackup", DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentBackup))]
public sealed class GetDeploymentBackupCommand : ConfiguredCmdlet
{
    /// <summary>Only the backups with these ids; wildcards * and ? are supported. An id without wildcards that matches
    /// nothing is an error.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string[]? Id { get; set; }

    /// <summary>Only the newest N.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    /// <summary>Writes the backups of this pipeline input's configuration, filtered by -Id.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var query = new BackupQuery { Ids = Id ?? Array.Empty<string>(), Last = Last };
        RunEngine((sink, ct) => BackupOperations.GetAsync(config, query, sink, ct));
    }
}
