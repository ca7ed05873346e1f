using System.Collections.Concurrent;
using System.Management.Automation;
using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>
/// Carries engine output from worker threads back to the pipeline thread, where PowerShell requires every
/// Write* and ShouldProcess call to happen. The cmdlet pumps the queue until the engine's task ends.
/// </summary>
internal sealed class PipelineSink : IOutputSink, IDisposable
{
    private readonly DeployOpsCmdlet _cmdlet;
    private readonly BlockingCollection<Action> _queue = new();

    public PipelineSink(DeployOpsCmdlet cmdlet) => _cmdlet = cmdlet;

    public void WriteRecord(object record) => Post(() => _cmdlet.WriteObject(record));

    public void WriteProgress(ProgressUpdate p) => Post(() => _cmdlet.WriteProgress(ToProgressRecord(p)));

    public void WriteVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));

    public void WriteWarning(string message) => Post(() => _cmdlet.WriteWarning(message));

    public void WriteError(DeployOpsError error) => Post(() => _cmdlet.WriteError(ErrorRecords.From(error)));

    public bool ShouldProcess(string target, string action)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(() => answer.TrySetResult(_cmdlet.ShouldProcess(target, action)))) return false;
        return answer.Task.GetAwaiter().GetResult();
    }

    /// <summary>Runs queued writes on the calling (pipeline) thread until <paramref name="work"/> completes.</summary>
    public void Pump(Task work)
    {
        _ = work.ContinueWith(_ => _queue.CompleteAdding(), TaskScheduler.Default);
        foreach (var action in _queue.GetConsumingEnumerable()) action();
    }

    public void Dispose() => _queue.Dispose();

    private bool Post(Action action)
    {
        try
        {
            _queue.Add(action);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // the pipeline stopped listening (the work already ended)
        }
    }

    private static ProgressRecord ToProgressRecord(ProgressUpdate p)
    {
        var record = new ProgressRecord(p.ActivityId, p.Activity, string.IsNullOrEmpty(p.Status) ? " " : p.Status)
        {
            PercentComplete = Math.Clamp(p.PercentComplete, -1, 100),
            SecondsRemaining = p.SecondsRemaining,
            ParentActivityId = p.ParentActivityId,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        return record;
    }
}
