using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>Lists the database backups in the backup directory, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "DeploymentBackup", DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentBackup))]
public sealed class GetDeploymentBackupCommand : ConfiguredCmdlet
{
    /// <summary>Only the backups with these ids; wildcards are supported. An id without wildcards that matches nothing
    /// is an error.</summary>
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
        var all = RunEngine((_, ct) => new BackupManager(config).ListAsync(ct));
        IEnumerable<DeploymentBackup> selected = all;
        if (Id is not null)
        {
            var patterns = Id.Select(i => WildcardPattern.Get(i, WildcardOptions.IgnoreCase)).ToList();
            selected = all.Where(b => patterns.Any(p => p.IsMatch(b.Id)));
            foreach (var id in Id.Where(i => !WildcardPattern.ContainsWildcardCharacters(i) && all.All(b => b.Id != i)))
                WriteEngineError(new DeployOpsError(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                    config.Redactor.Redact($"No backup with id '{id}' in {config.Backup.Directory}"), id));
        }
        if (Last > 0) selected = selected.Take(Last);
        foreach (var backup in selected) WriteObject(backup);
    }
}
