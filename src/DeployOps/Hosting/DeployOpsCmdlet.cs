using System.Management.Automation;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;

namespace DeployOps.Hosting;

/// <summary>
/// What every DeployOps cmdlet shares: running engine work off the pipeline thread while its output is written
/// on it, cancellation from Ctrl+C (StopProcessing), and engine failures turned into proper error records.
/// </summary>
public abstract class DeployOpsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    protected CancellationToken CancelToken => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Runs engine work, pumping its output; engine exceptions become terminating errors.</summary>
    protected T RunEngine<T>(Func<IOutputSink, CancellationToken, Task<T>> work)
    {
        using var sink = new PipelineSink(this);
        var task = Task.Run(() => work(sink, _stopping.Token));
        sink.Pump(task);
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
            ThrowTerminatingError(ErrorRecords.From(ex));
            throw; // unreachable: ThrowTerminatingError always throws
        }
    }

    protected void RunEngine(Func<IOutputSink, CancellationToken, Task> work) =>
        RunEngine<bool>(async (sink, ct) => { await work(sink, ct).ConfigureAwait(false); return true; });

    /// <summary>Loads the configuration named by -Path (relative to the current location) or deployops.yaml here.</summary>
    protected ConfigModel LoadConfig(string? path)
    {
        try
        {
            var full = ConfigLoader.ResolvePath(ResolvePath(path), SessionState.Path.CurrentFileSystemLocation.Path);
            return ConfigLoader.Load(full);
        }
        catch (DeployOpsException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex));
            throw;
        }
    }

    /// <summary>Resolves a PowerShell path (~, relative, PSDrive) to a file-system path; null stays null.</summary>
    protected string? ResolvePath(string? path) =>
        string.IsNullOrEmpty(path) ? path : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    protected void WriteEngineError(DeployOpsError error) => WriteError(ErrorRecords.From(error));

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
