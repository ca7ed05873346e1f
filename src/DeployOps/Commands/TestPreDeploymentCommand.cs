using DeployOps.Completion;
using System.Management.Automation;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Runs the configured pre-deployment checks concurrently and emits a CheckResult per check as it completes;
/// when any check blocks the deployment, writes PreDeploymentCheckFailed after the results.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PreDeployment", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CheckResult), typeof(bool))]
public sealed class TestPreDeploymentCommand : QuietTestCmdlet
{
    /// <summary>Run only the checks with these names (wildcards supported); a name without wildcards must
    /// exist.</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(CheckNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Run only the checks in these categories (Database, Cache, Service, System, Security, Configuration,
    /// Source, Process).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CheckCategoryCompleter))]
    public string[]? Category { get; set; }

    /// <summary>Treat warnings as failures.</summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    /// <summary>Runs the selected pre-deployment checks of this pipeline input's configuration.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new PreDeploymentOptions
        {
            Names = Name ?? Array.Empty<string>(),
            Categories = Category ?? Array.Empty<string>(),
            Strict = Strict,
        };
        var report = RunEngine((sink, ct) => PreDeploymentRunner.RunAsync(config, options, Quieted(sink), ct));
        if (Quiet)
        {
            WriteQuietAnswer(report.Passed, report.ToError());
            return;
        }
        if (report.ToError() is { } error) WriteEngineError(error);
    }
}
