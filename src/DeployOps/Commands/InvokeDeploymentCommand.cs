using System.Management.Automation;
using DeployOps.Engine.Backup;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Deploys a version with a strategy (BlueGreen, Canary, Rolling, Hotfix) as configured in deployment:, under the
/// one-at-a-time lock, journaling every phase. Returns the DeploymentRecord; -WhatIf returns the plan instead.
/// -RecordOnly changes nothing: it records what runs now as the baseline the first real deployment rolls back to.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Deployment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(DeploymentRecord), typeof(DeploymentPlanItem), typeof(MigrationClassification))]
public sealed class InvokeDeploymentCommand : ConfiguredCmdlet
{
    // The shared Path/Config sets (a deployment) crossed with -RecordOnly (a baseline: no pre-checks, no backup).
    /// <summary>The parameter set of -Path with -RecordOnly: record a baseline of the configuration a path
    /// names.</summary>
    public const string PathRecordOnlySet = PathSet + "RecordOnly";
    /// <summary>The parameter set of -Config with -RecordOnly: record a baseline of a piped configuration.</summary>
    public const string ConfigRecordOnlySet = ConfigSet + "RecordOnly";

    /// <summary>deployops.yaml, or a folder holding it; default: the one in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0)]
    [Parameter(ParameterSetName = PathRecordOnlySet, Position = 0)]
    public override string? Path { get; set; }

    /// <summary>A configuration from Test-DeploymentConfig.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ConfigRecordOnlySet, Mandatory = true, ValueFromPipeline = true)]
    public override DeploymentConfig? Config { get; set; }

    /// <summary>The version to deploy: substituted for {version} in the steps and recorded in the history (1-128
    /// characters of [A-Za-z0-9._+-]).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Version { get; set; } = "";

    /// <summary>Defaults to deployment.strategy in the configuration.</summary>
    [Parameter]
    public DeploymentStrategy? Strategy { get; set; }

    /// <summary>Skip the pre-checks phase (journaled, so a resumed deployment skips them too).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter SkipPreChecks { get; set; }

    /// <summary>A hotfix only on these hosts of targets: (names or labels): the instances, or the live slot's members,
    /// that live there. Only with the Hotfix strategy.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.TargetCompleter))]
    public string[]? Target { get; set; }

    /// <summary>Do not take the pre-deployment database backup (warned about and audited when the deployment
    /// migrates).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter NoBackup { get; set; }

    /// <summary>Deploy although an interrupted deployment is not recovered (InterruptedDeploymentPending otherwise); audited.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>Record what runs now as a baseline deployment of -Version, changing nothing.</summary>
    [Parameter(ParameterSetName = PathRecordOnlySet, Mandatory = true)]
    [Parameter(ParameterSetName = ConfigRecordOnlySet, Mandatory = true)]
    public SwitchParameter RecordOnly { get; set; }

    /// <summary>Why: journaled, audited and in the notifications; required by changeControl.requireReason.</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The change ticket: journaled, audited, notified; Get-DeploymentHistory -ChangeTicket finds it.</summary>
    [Parameter]
    public string? ChangeTicket { get; set; }

    /// <summary>Deploy inside a freeze window (an emergency fix): needs -Reason, and -ApprovedBy when freeze.approvers is set.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter OverrideFreeze { get; set; }

    /// <summary>Who approved the freeze override: one of freeze.approvers.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public string? ApprovedBy { get; set; }

    /// <summary>Deploys -Version (or records a baseline) for this pipeline input's configuration.</summary>
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
            Targets = Target ?? Array.Empty<string>(),
            NoBackup = NoBackup,
            Force = Force,
            Hooks = new StandardDeploymentHooks(),
            Reason = Reason,
            ChangeTicket = ChangeTicket,
            OverrideFreeze = OverrideFreeze,
            ApprovedBy = ApprovedBy,
        };
        if (RecordOnly) RunEngine((sink, ct) => DeploymentBaseline.RecordAsync(config, options, sink, ct));
        else RunEngine((sink, ct) => DeploymentEngine.InvokeAsync(config, options, sink, ct));
    }
}
