using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>
/// For -Quiet: keeps progress, verbose and warnings but drops records, so only the final bool is output; errors
/// become warnings, so the reason for a $false stays visible without a red error.
/// </summary>
internal sealed class QuietSink : IOutputSink
{
    private readonly IOutputSink _inner;

    public QuietSink(IOutputSink inner) => _inner = inner;

    public void WriteRecord(object record) { }
    public void WriteProgress(ProgressUpdate progress) => _inner.WriteProgress(progress);
    public void WriteVerbose(string message) => _inner.WriteVerbose(message);
    public void WriteWarning(string message) => _inner.WriteWarning(message);
    public void WriteError(DeployOpsError error) => _inner.WriteWarning($"{error.Message} ({error.ErrorId})");
    public bool ShouldProcess(string target, string action) => _inner.ShouldProcess(target, action);
    public bool IsDryRun => _inner.IsDryRun;
}
