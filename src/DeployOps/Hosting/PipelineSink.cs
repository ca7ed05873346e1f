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
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationToken _closedToken;

    public PipelineSink(DeployOpsCmdlet cmdlet, bool isDryRun)
    {
        _cmdlet = cmdlet;
        _closedToken = _closed.Token;
        IsDryRun = isDryRun;
    }

    /// <summary>-WhatIf: the engine changes nothing, not even the state directory or the audit log.</summary>
    public bool IsDryRun { get; }

    public void WriteRecord(object record) => Post(() => _cmdlet.WriteObject(record));

    public void WriteProgress(ProgressUpdate p) => Post(() => _cmdlet.WriteProgress(ToProgressRecord(p)));

    public void WriteVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));

    public void WriteWarning(string message) => Post(() => _cmdlet.WriteWarning(message));

    public void WriteError(DeployOpsError error) => Post(() => _cmdlet.WriteError(ErrorRecords.From(error)));

    public bool ShouldProcess(string target, string action)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(() => answer.TrySetResult(_cmdlet.ShouldProcess(target, action)))) return false;
        try
        {
            answer.Task.Wait(_closedToken);
            return answer.Task.Result;
        }
        catch (OperationCanceledException)
        {
            return false; // the pipeline ended before it could answer: nothing more may change
        }
    }

    /// <summary>
    /// Runs queued writes on the calling (pipeline) thread until <paramref name="work"/> completes. Throws what a
    /// write throws (PipelineStoppedException, StopUpstreamCommandsException …) and OperationCanceledException
    /// when <paramref name="stopping"/> fires; the caller then closes the sink and stops the work.
    /// </summary>
    public void Pump(Task work, CancellationToken stopping)
    {
        _ = work.ContinueWith(_ => Complete(), TaskScheduler.Default);
        foreach (var action in _queue.GetConsumingEnumerable(stopping)) action();
    }

    /// <summary>Stops accepting output: later writes are dropped and a pending ShouldProcess answers false.</summary>
    public void Close()
    {
        Complete();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // already disposed
        }
    }

    public void Dispose()
    {
        Close();
        _queue.Dispose();
    }

    private void Complete()
    {
        try
        {
            _queue.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
            // the cmdlet already released the sink
        }
    }

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
