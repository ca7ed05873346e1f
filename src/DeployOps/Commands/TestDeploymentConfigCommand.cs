using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Validates a deployops.yaml. Writes one ConfigInvalid error per problem (with file, line, column and key path),
/// one warning per risky setting such as a {raw:…} placeholder (located the same way) and the loaded configuration
/// when it is valid; -Quiet returns only $true or $false.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeploymentConfig")]
[OutputType(typeof(DeploymentConfig), typeof(bool))]
public sealed class TestDeploymentConfigCommand : DeployOpsCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "FilePath")]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessInput()
    {
        ConfigInspection inspection;
        try
        {
            var full = ConfigLoader.ResolvePath(ResolvePath(Path), SessionState.Path.CurrentFileSystemLocation.Path);
            inspection = ConfigLoader.Inspect(full, cancellationToken: CancelToken);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (DeployOpsException ex)
        {
            if (Quiet)
            {
                WriteWarning($"{ex.Message} ({ex.ErrorId})");
                WriteObject(false);
            }
            else WriteError(ErrorRecords.From(ex));
            return;
        }

        if (Quiet)
        {
            foreach (var problem in inspection.Errors) WriteWarning($"{problem} ({ErrorIds.ConfigInvalid})");
            WriteObject(inspection.IsValid);
            return;
        }
        foreach (var warning in inspection.Warnings) WriteWarning(warning.ToString());
        foreach (var problem in inspection.Errors)
            WriteEngineError(new DeployOpsError(ErrorIds.ConfigInvalid, ErrorKind.InvalidData, problem.ToString(), problem));
        if (inspection.Config is not null) WriteObject(inspection.Config.View);
    }
}
