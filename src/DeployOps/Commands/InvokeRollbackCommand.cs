using System.Management.Automation;
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
    DefaultParameterSetName = CurrentSet)]
[OutputType(typeof(RollbackResult), typeof(DeploymentPlanItem))]
public sealed class InvokeRollbackCommand : DeployOpsCmdlet
{
    private const string CurrentSet = "Current";
    private const string ByIdSet = "DeploymentId";
    private const string ToVersionSet = "ToVersion";

    [Parameter(Position = 0)]
    public string? Path { get; set; }

    [Parameter(ValueFromPipeline = true)]
    public DeploymentConfig? Config { get; set; }

    /// <summary>The deployment to undo (default: the newest one).</summary>
    [Parameter(ParameterSetName = ByIdSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? DeploymentId { get; set; }

    /// <summary>The version to go back to (one that was deployed successfully before).</summary>
    [Parameter(ParameterSetName = ToVersionSet, Mandatory = true)]
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

    protected override void ProcessInput()
    {
        // InvalidVersion before the configuration is even read (also under -WhatIf).
        if (ToVersion is not null)
        {
            try { Engine.Security.Identifiers.ValidateVersion(ToVersion, "-ToVersion"); }
            catch (Engine.Hosting.DeployOpsException ex) { ThrowTerminatingError(ErrorRecords.From(ex)); }
        }
        var config = Config is null ? LoadConfig(Path) : ConfigModel.Of(Config);
        var options = new RollbackOptions
        {
            DeploymentId = DeploymentId,
            ToVersion = ToVersion,
            IncludeDatabase = IncludeDatabase,
            NoVerify = NoVerify,
            NoBackup = NoBackup,
            Force = Force,
            Reason = Reason,
        };
        RunEngine((sink, ct) => RollbackEngine.RollbackAsync(config, options, sink, ct));
    }
}
