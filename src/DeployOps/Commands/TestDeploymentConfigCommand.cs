using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Hosting;

namespace DeployOps.Commands;

/// <summary>
/// Validates a deployops.yaml. Writes one ConfigInvalid error per problem (with file, line, column and key path),
/// one warning per risky setting such as a {raw:…} placeholder (located the same way) and the loaded configuration
/// when it is valid; -Quiet returns only $true or $false. -TestNotifications then sends a marked test message to
/// every notification target and writes one NotificationResult each.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DeploymentConfig")]
[OutputType(typeof(DeploymentConfig), typeof(bool), typeof(Engine.Notifications.NotificationResult))]
public sealed class TestDeploymentConfigCommand : DeployOpsCmdlet
{
    /// <summary>The configuration file, or a folder holding deployops.yaml; default: deployops.yaml in the current
    /// location. Binds FileInfo objects through FullName.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "FilePath")]
    public string? Path { get; set; }

    /// <summary>Write only $true (valid) or $false (invalid or not found) instead of the configuration and its
    /// errors.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Also send a clearly marked test message to every notifications target.</summary>
    [Parameter]
    public SwitchParameter TestNotifications { get; set; }

    /// <summary>Validates the configuration this pipeline input names and writes it, or its errors.</summary>
    protected override void ProcessInput()
    {
        var options = new TestConfigOptions
        {
            Path = ResolvePath(Path),
            CurrentDirectory = SessionState.Path.CurrentFileSystemLocation.Path,
            Quiet = Quiet,
            TestNotifications = TestNotifications,
        };
        // Under -Quiet the records stay off the pipeline and errors become warnings: only the answer is output.
        var valid = RunEngine((sink, ct) => ConfigCommands.TestAsync(options, Quiet ? new QuietSink(sink) : sink, ct));
        if (Quiet) WriteObject(valid);
    }
}
