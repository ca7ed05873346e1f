using System.Management.Automation;
using System.Reflection;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>
/// What every DeployOps cmdlet shares: running engine work off the pipeline thread while its output is written
/// on it, cancellation from Ctrl+C (StopProcessing), and engine failures turned into proper error records.
/// </summary>
/// <remarks>
/// Error rule: a failure that concerns one input (its configuration is missing or invalid, nothing is pending,
/// the object is not found …) is a non-terminating error with its stable ErrorId, and the cmdlet goes on with the
/// next pipeline input; -ErrorAction decides what the user sees. Engine work never outlives its cmdlet: every exit
/// path (an engine failure, Ctrl+C, a downstream <c>Select-Object -First</c>, Dispose) cancels the engine and waits
/// for it, bounded by <see cref="EngineStopWait"/>.
/// </remarks>
public abstract class DeployOpsCmdlet : PSCmdlet, IDisposable
{
    /// <summary>How long a stopping cmdlet waits for cancelled engine work to finish its clean-up.</summary>
    internal static readonly TimeSpan EngineStopWait = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly List<(Task Work, CancellationTokenSource Cancel)> _running = new();
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C (StopProcessing) or the cmdlet is disposed.</summary>
    protected CancellationToken CancelToken => _stopping.Token;

    /// <summary>Ctrl+C: cancels the running engine work, which then ends the pipeline.</summary>
    protected override void StopProcessing()
    {
        lock (_gate)
        {
            if (!_disposed) _stopping.Cancel();
        }
    }

    /// <summary>Handles one pipeline input; a failure of that input is reported and the next input runs.</summary>
    protected sealed override void ProcessRecord()
    {
        try
        {
            ProcessInput();
        }
        catch (InputFailedException failed)
        {
            OnInputFailed(failed.Record);
        }
    }

    /// <summary>What the cmdlet does with one pipeline input (or once, without pipeline input).</summary>
    protected abstract void ProcessInput();

    /// <summary>
    /// Reports the failure of the current input: by default a non-terminating error. Cmdlets with -Quiet override
    /// it to output $false and put the reason on the warning stream.
    /// </summary>
    protected virtual void OnInputFailed(ErrorRecord error) => WriteError(error);

    /// <summary>True when this run must change nothing (-WhatIf, or $WhatIfPreference on a cmdlet that supports it).</summary>
    protected bool IsWhatIf
    {
        get
        {
            if (GetType().GetCustomAttribute<CmdletAttribute>() is not { SupportsShouldProcess: true }) return false;
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)) return LanguagePrimitives.IsTrue(bound);
            return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        }
    }

    /// <summary>
    /// Runs engine work, pumping its output onto the pipeline thread. An engine failure abandons this input with a
    /// non-terminating error; Ctrl+C or a downstream stop cancels the engine and waits for it before returning.
    /// </summary>
    private protected T RunEngine<T>(Func<IOutputSink, CancellationToken, Task<T>> work)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        using var sink = new PipelineSink(this, IsWhatIf);
        var task = Task.Run(() => work(sink, cancel.Token), cancel.Token);
        lock (_gate) _running.Add((task, cancel));
        try
        {
            sink.Pump(task, _stopping.Token);
        }
        catch (Exception ex)
        {
            // The pipeline stopped listening (Ctrl+C, Select-Object -First, a failing write): the engine must
            // not go on acting for a command that has ended.
            sink.Close();
            StopAndWait(task, cancel);
            lock (_gate) _running.Remove((task, cancel));
            if (ex is OperationCanceledException && _stopping.IsCancellationRequested) throw new PipelineStoppedException();
            throw;
        }
        lock (_gate) _running.Remove((task, cancel));
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (DeployOpsException ex)
        {
            throw new InputFailedException(ErrorRecords.From(ex));
        }
    }

    /// <summary>Runs engine work that writes its records through the sink (see <see cref="RunEngine{T}"/>).</summary>
    private protected void RunEngine(Func<IOutputSink, CancellationToken, Task> work) =>
        RunEngine<bool>(async (sink, ct) => { await work(sink, ct).ConfigureAwait(false); return true; });

    /// <summary>
    /// Loads the configuration named by -Path (relative to the current location) or deployops.yaml here. A missing
    /// or invalid configuration abandons this input with a non-terminating ConfigNotFound/ConfigInvalid error.
    /// </summary>
    private protected ConfigModel LoadConfig(string? path)
    {
        try
        {
            var full = ConfigLoader.ResolvePath(ResolvePath(path), SessionState.Path.CurrentFileSystemLocation.Path);
            return ConfigLoader.Load(full, cancellationToken: CancelToken);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (DeployOpsException ex)
        {
            throw new InputFailedException(ErrorRecords.From(ex));
        }
    }

    /// <summary>Abandons this input with a non-terminating error (see <see cref="OnInputFailed"/>).</summary>
    protected static Exception InputFailed(DeployOpsError error) => new InputFailedException(ErrorRecords.From(error));

    /// <summary>Resolves a PowerShell path (~, relative, PSDrive) to a file-system path; null stays null.</summary>
    protected string? ResolvePath(string? path) =>
        string.IsNullOrEmpty(path) ? path : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Writes a non-terminating error record from an engine error (stable ErrorId, category,
    /// target).</summary>
    protected void WriteEngineError(DeployOpsError error) => WriteError(ErrorRecords.From(error));

    /// <summary>Cancels whatever engine work is still running and waits for it (bounded), then releases the token.</summary>
    public void Dispose()
    {
        List<(Task Work, CancellationTokenSource Cancel)> running;
        lock (_gate)
        {
            if (_disposed) return;
            _stopping.Cancel();
            running = _running.ToList();
            _running.Clear();
        }
        foreach (var (work, cancel) in running) StopAndWait(work, cancel);
        lock (_gate)
        {
            _disposed = true;
            _stopping.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    private static void StopAndWait(Task work, CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // already finished and released
        }
        try
        {
            work.Wait(EngineStopWait);
        }
        catch (AggregateException)
        {
            // the engine's own failure or cancellation: the command is ending anyway
        }
    }

    /// <summary>Carries the error record of an abandoned input from deep in a cmdlet back to <see cref="ProcessRecord"/>.</summary>
    private sealed class InputFailedException : Exception
    {
        public InputFailedException(ErrorRecord record) : base(record.Exception.Message, record.Exception) => Record = record;

        public ErrorRecord Record { get; }
    }
}
