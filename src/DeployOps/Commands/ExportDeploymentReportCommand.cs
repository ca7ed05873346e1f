using System.Management.Automation;
using DeployOps.Completion;
using DeployOps.Engine.Reports;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Fills in the runbooks' deployment checklist for one deployment from what DeployOps recorded (journal, audit log,
/// pre-check evidence, backup, health samples and decisions, incident) and returns it as Markdown, HTML or JSON text,
/// or writes it to -OutFile atomically. -Path is the configuration, as for every DeployOps cmdlet.
/// </summary>
[Cmdlet(VerbsData.Export, "DeploymentReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = PathSet)]
[OutputType(typeof(string), typeof(FileInfo))]
public sealed class ExportDeploymentReportCommand : ConfiguredCmdlet
{
    /// <summary>The deployment to report on (Get-DeploymentHistory lists them; a piped record binds its Id).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeploymentIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Markdown (default), Html (self-contained, with the health chart) or Json (deployops.report/1).</summary>
    [Parameter]
    [ValidateSet(nameof(ReportFormat.Markdown), nameof(ReportFormat.Html), nameof(ReportFormat.Json), IgnoreCase = true)]
    public string Format { get; set; } = nameof(ReportFormat.Markdown);

    /// <summary>Write the report to this file (atomically) and output its FileInfo, instead of the text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>Replace an existing -OutFile.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Exports the report of the deployment -Id for the configuration of this pipeline input.</summary>
    protected override void ProcessInput()
    {
        var config = ResolveConfig();
        var options = new ReportOptions
        {
            DeploymentId = Id!,
            Format = Enum.Parse<ReportFormat>(Format, ignoreCase: true),
            OutFile = ResolvePath(OutFile),
            Force = Force,
        };
        var result = RunEngine((sink, ct) => DeploymentReports.ExportAsync(config, options, sink, ct));
        if (result is null) return;
        WriteObject(options.OutFile is null ? result : new FileInfo(result));
    }
}
