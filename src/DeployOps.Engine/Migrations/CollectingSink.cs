using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Migrations;

/// <summary>For work run inside a check, which has no output streams: keeps the warnings for the check's data, drops the rest.</summary>
internal sealed class CollectingSink : IOutputSink
{
    private readonly List<string> _warnings = new();

    public IReadOnlyList<string> Warnings { get { lock (_warnings) return _warnings.ToList(); } }

    public void WriteRecord(object record) { }
    public void WriteProgress(ProgressUpdate progress) { }
    public void WriteVerbose(string message) { }
    public void WriteWarning(string message) { lock (_warnings) _warnings.Add(message); }
    public void WriteError(DeployOpsError error) { lock (_warnings) _warnings.Add(error.Message); }
    public bool ShouldProcess(string target, string action) => true;
    public bool IsDryRun => false;
}
