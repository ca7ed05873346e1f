using System.Management.Automation;
using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>
/// A Test-* cmdlet on one configuration whose -Quiet answers exactly one bool, whatever happens: a failed test, or a
/// configuration or backup that cannot be used, is $false with the reason (and its ErrorId) on the warning stream.
/// </summary>
public abstract class QuietTestCmdlet : ConfiguredCmdlet
{
    /// <summary>Return only $true (passed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Under -Quiet, the engine's records stay off the pipeline (progress, verbose and warnings still show).</summary>
    private protected IOutputSink Quieted(IOutputSink sink) => Quiet ? new QuietSink(sink) : sink;

    /// <summary>The one bool of -Quiet, with the reason for a failure as a warning.</summary>
    protected void WriteQuietAnswer(bool passed, DeployOpsError? reason)
    {
        if (!passed && reason is not null) WriteWarning($"{reason.Message} ({reason.ErrorId})");
        WriteObject(passed);
    }

    /// <summary>Under -Quiet, a failed input writes $false and puts the reason on the warning stream; otherwise a
    /// non-terminating error.</summary>
    protected override void OnInputFailed(ErrorRecord error)
    {
        if (!Quiet)
        {
            base.OnInputFailed(error);
            return;
        }
        WriteWarning($"{error.Exception.Message} ({error.FullyQualifiedErrorId})");
        WriteObject(false);
    }
}
