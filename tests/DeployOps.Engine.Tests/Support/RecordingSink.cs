using System.Collections.Concurrent;
using DeployOps.Engine.Hosting;

namespace DeployOps.Engine.Tests.Support;

/// <summary>An output sink that keeps everything the engine said, as a cmdlet's streams would.</summary>
internal sealed class RecordingSink : IOutputSink
{
    private readonly Func<string, string, bool> _shouldProcess;

    public RecordingSink(Func<string, string, bool>? shouldProcess = null) => _shouldProcess = shouldProcess ?? ((_, _) => true);

    /// <summary>A sink that answers every ShouldProcess with false, as -WhatIf does.</summary>
    public static RecordingSink WhatIf() => new((_, _) => false);

    public ConcurrentQueue<object> Records { get; } = new();
    public ConcurrentQueue<ProgressUpdate> Progress { get; } = new();
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<DeployOpsError> Errors { get; } = new();
    public ConcurrentQueue<(string Target, string Action)> ShouldProcessCalls { get; } = new();
    /// <summary>Set for a true dry run (-WhatIf in the cmdlet); <see cref="WhatIf"/> alone models a declined -Confirm.</summary>
    public bool IsDryRun { get; init; }

    public IEnumerable<T> RecordsOf<T>() => Records.OfType<T>();

    public void WriteRecord(object record) => Records.Enqueue(record);
    public void WriteProgress(ProgressUpdate progress) => Progress.Enqueue(progress);
    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteWarning(string message) => Warnings.Enqueue(message);
    public void WriteError(DeployOpsError error) => Errors.Enqueue(error);

    public bool ShouldProcess(string target, string action)
    {
        ShouldProcessCalls.Enqueue((target, action));
        return _shouldProcess(target, action);
    }

    /// <summary>Every string the engine emitted, for "this secret never appears" assertions.</summary>
    public string AllText() => string.Join("\n",
        Records.Select(r => r.ToString()).Concat(Verbose).Concat(Warnings).Concat(Errors.Select(e => e.Message))
            .Concat(Progress.Select(p => p.Status)));
}
