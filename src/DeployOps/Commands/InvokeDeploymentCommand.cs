using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Deploys a version with a strategy (BlueGreen, Canary, Rolling, Hotfix) as configured in deployment:, under the
/// one-at-a-time lock, journaling every phase. Returns the DeploymentRecord; -WhatIf returns the plan instead.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentRecord), typeof(DeploymentPlanItem))]
public sealed class InvokeDeploymentCommand : ConfiguredCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Version { get; set; } = "";

    /// <summary>Defaults to deployment.strategy in the configuration.</summary>
    [Parameter]
    public DeploymentStrategy? Strategy { get; set; }

    [Parameter]
    public SwitchParameter SkipPreChecks { get; set; }

    [Parameter]
    public SwitchParameter NoBackup { get; set; }

    /// <summary>Deploy although an interrupted deployment is not recovered (InterruptedDeploymentPending otherwise); audited.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessInput()
    {
        // InvalidVersion before the configuration is even read (also under -WhatIf).
        try { Engine.Security.Identifiers.ValidateVersion(Version, "-Version"); }
        catch (Engine.Hosting.DeployOpsException ex) { ThrowTerminatingError(ErrorRecords.From(ex)); }
        var config = ResolveConfig();
        var options = new DeploymentOptions
        {
            Version = Version,
            Strategy = Strategy,
            SkipPreChecks = SkipPreChecks,
            NoBackup = NoBackup,
            Force = Force,
            Hooks = new StandardDeploymentHooks(),
        };
        RunEngine((sink, ct) => DeploymentEngine.InvokeAsync(config, options, sink, ct));
    }
}
