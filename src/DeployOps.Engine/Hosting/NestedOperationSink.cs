namespace DeployOps.Engine.Hosting;

/// <summary>
/// For an engine operation running inside another (a health gate inside a deployment): its progress, warnings
/// and errors reach the operator, but its records become verbose lines so the outer command's output stays one type.
/// With <c>confirmed</c> the outer operation was confirmed as a whole (and is no dry run): the inner one asks nothing.
/// </summary>
internal sealed class NestedOperationSink : IOutputSink
{
    private readonly IOutputSink _outer;
    private readonly bool _confirmed;

    public NestedOperationSink(IOutputSink outer) => _outer = outer;

    internal NestedOperationSink(IOutputSink outer, bool confirmed)
    {
        _outer = outer;
        _confirmed = confirmed;
    }

    public void WriteRecord(object record) => _outer.WriteVerbose(record.ToString() ?? record.GetType().Name);
    public void WriteProgress(ProgressUpdate progress) => _outer.WriteProgress(progress);
    public void WriteVerbose(string message) => _outer.WriteVerbose(message);
    public void WriteWarning(string message) => _outer.WriteWarning(message);
    public void WriteError(DeployOpsError error) => _outer.WriteError(error);
    public bool ShouldProcess(string target, string action) => _confirmed || _outer.ShouldProcess(target, action);
    public bool IsDryRun => !_confirmed && _outer.IsDryRun;
}
