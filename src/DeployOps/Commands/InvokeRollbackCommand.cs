using System.Management.Automation;
using DeployOps.Completion;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Undoes the current (or interrupted) deployment, or the one named by -DeploymentId, or goes back to -ToVersion:
/// blue-green switches traffic back, canary goes to weight 0 and stops, rolling/hotfix redeploy the previous version.
/// Refuses a code-only rollback across a migration (RollbackCrossesMigration) unless -IncludeDatabase or -Force.
/// Returns a RollbackResult whose ExitCode is 0 (rolled back), 1 (failed) or 2 (critical); -WhatIf returns the plan.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Rollback", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(RollbackResult), typeof(DeploymentPlanItem))]
public sealed class InvokeRollbackCommand : ConfiguredCmdlet
{
    // The shared Path/Config sets (the current deployment) crossed with -DeploymentId and -ToVersion.
    /// <summary>The parameter set of -Path with -DeploymentId: undo a given deployment of the configuration a path
    /// names.</summary>
    public const string PathDeploymentIdSet = PathSet + "DeploymentId";
    /// <summary>The parameter set of -Config with -DeploymentId: undo a given deployment of a piped
    /// configuration.</summary>
    public const string ConfigDeploymentIdSet = ConfigSet + "DeploymentId";
    /// <summary>The parameter set of -Path with -ToVersion: go back to a given version of the configuration a path
    /// names.</summary>
    public const string PathToVersionSet = PathSet + "ToVersion";
    /// <summary>The parameter set of -Config with -ToVersion: go back to a given version of a piped
    /// configuration.</summary>
    public const string ConfigToVersionSet = ConfigSet + "ToVersion";

    /// <summary>deployops.yaml, or a folder holding it; default: the one in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0)]
    [Parameter(ParameterSetName = PathDeploymentIdSet, Position = 0)]
    [Parameter(ParameterSetName = PathToVersionSet, Position = 0)]
    public override string? Path { get; set; }

    /// <summary>A configuration from Test-DeploymentConfig.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ConfigDeploymentIdSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ConfigToVersionSet, Mandatory = true, ValueFromPipeline = true)]
    public override DeploymentConfig? Config { get; set; }

    /// <summary>The deployment to undo (default: the newest one); a piped DeploymentRecord binds its Id.</summary>
    [Parameter(ParameterSetName = PathDeploymentIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigDeploymentIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? DeploymentId { get; set; }

    /// <summary>The version to go back to (one that was deployed successfully before).</summary>
    [Parameter(ParameterSetName = PathToVersionSet, Mandatory = true)]
    [Parameter(ParameterSetName = ConfigToVersionSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? ToVersion { get; set; }

    /// <summary>Restore the pre-deployment database backup as part of the rollback.</summary>
    [Parameter]
    public SwitchParameter IncludeDatabase { get; set; }

    /// <summary>Skip the health verification afterwards (emergency).</summary>
    [Parameter]
    public SwitchParameter NoVerify { get; set; }

    /// <summary>Do not back up the current database first.</summary>
    [Parameter]
    public SwitchParameter NoBackup { get; set; }

    /// <summary>Roll back the code across a schema migration anyway (audited).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Why, for the incident report.</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The change or incident ticket: audited and notified (never required for a rollback).</summary>
    [Parameter]
    public string? ChangeTicket { get; set; }

    /// <summary>
    /// Scheduled scripts run <c>exit (Invoke-Rollback -Confirm:$false).ExitCode</c>: a rollback that could not even
    /// start is an error record AND a Failed result (exit code 1), never no output (which would exit 0).
    /// </summary>
    protected override void OnInputFailed(ErrorRecord error)
    {
        WriteError(error);
        WriteObject(RollbackResult.NotStarted(DeploymentId, ToVersion, error.Exception.Message, _start));
    }

    private DateTimeOffset _start = DateTimeOffset.UtcNow;

    /// <summary>Rolls back the deployment this pipeline input selects and writes the RollbackResult.</summary>
    protected override void ProcessInput()
    {
        _start = DateTimeOffset.UtcNow;
        // InvalidVersion before the configuration is even read (also under -WhatIf).
        if (ToVersion is not null)
        {
            try { Engine.Security.Identifiers.ValidateVersion(ToVersion, "-ToVersion"); }
            catch (Engine.Hosting.DeployOpsException ex) { throw InputFailed(ex.ToError()); }
        }
        var config = ResolveConfig();
        var options = new RollbackOptions
        {
            DeploymentId = DeploymentId,
            ToVersion = ToVersion,
            IncludeDatabase = IncludeDatabase,
            NoVerify = NoVerify,
            NoBackup = NoBackup,
            Force = Force,
            Reason = Reason,
            ChangeTicket = ChangeTicket,
        };
        RunEngine((sink, ct) => RollbackEngine.RollbackAsync(config, options, sink, ct));
    }
}
