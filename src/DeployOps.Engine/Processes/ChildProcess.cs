using System.ComponentModel;
using System.Diagnostics;

namespace DeployOps.Engine.Processes;

/// <summary>
/// The one way the engine starts a process. An argument vector (a shell only for a configured command line, see
/// <see cref="ChildProcessSpec.Shell"/>); the scrubbed environment of <see cref="ChildEnvironment"/>; its own
/// session and process group, under <see cref="StepSupervisor"/> unless the caller feeds its stdin, so neither a
/// cancel nor our own death leaves anything it started running; stdout and stderr captured bounded, keeping the tail.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    // After the child exits, output still buffered is read for at most this long: a daemon it left behind may hold
    // the pipe open for ever, and must not hold the deployment with it.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly ChildProcessSpec _spec;
    private readonly OutputCapture _capture;
    private readonly Task _readers;
    private readonly Stopwatch _clock;

    private ChildProcess(Process process, ChildProcessSpec spec, OutputCapture capture, Task readers, Stopwatch clock, ChildProcessStarted started)
    {
        _process = process;
        _spec = spec;
        _capture = capture;
        _readers = readers;
        _clock = clock;
        Started = started;
    }

    public ChildProcessStarted Started { get; }
    /// <summary>Only with <see cref="ChildProcessSpec.WritesStandardInput"/>.</summary>
    public Stream StandardInput => _spec.WritesStandardInput ? _process.StandardInput.BaseStream
        : throw new InvalidOperationException("stdin of a supervised child is its supervisor's lifeline");
    /// <summary>Only with <see cref="ChildProcessSpec.ReadsStandardOutput"/>.</summary>
    public Stream StandardOutput => _spec.ReadsStandardOutput ? _process.StandardOutput.BaseStream
        : throw new InvalidOperationException("stdout is captured as lines");

    /// <summary>Starts, waits and returns how it ended; cancellation ends the whole group and throws <see cref="ChildProcessCanceledException"/>.</summary>
    public static async Task<ChildProcessResult> RunAsync(ChildProcessSpec spec, Action<string>? onLine, CancellationToken cancellationToken)
    {
        using var child = await StartAsync(spec, onLine).ConfigureAwait(false);
        return await child.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A configured command line (nginx, stopApp…) through its shell, under the same supervision.</summary>
    public static Task<ChildProcessResult> RunShellAsync(string command, TimeSpan timeout, Action<string>? onLine,
        CancellationToken cancellationToken, string shell = "bash", string? workingDirectory = null, int tailLines = 20)
    {
        var (file, args) = ChildProcessSpec.Shell(shell, command);
        return RunAsync(new ChildProcessSpec
        {
            FileName = file, Arguments = args, WorkingDirectory = workingDirectory, Timeout = timeout, TailLines = tailLines,
        }, onLine, cancellationToken);
    }

    /// <summary>Starts the child (Win32Exception when the program is not found) and reports it to <see cref="ChildProcessSpec.OnStarted"/>.</summary>
    public static async Task<ChildProcess> StartAsync(ChildProcessSpec spec, Action<string>? onLine, string linePrefix = "")
    {
        if (spec.Remote is not null && spec.WritesStandardInput)
            throw new InvalidOperationException("a remote child's stdin carries its environment and lifeline");
        // Remote: ssh in its own group here, holding our stdin pipe, which is the remote supervisor's lifeline.
        var program = spec.Remote is null ? Resolve(spec.FileName) : Resolve("ssh");
        var programArgs = spec.Remote is { } remote
            ? SshTransport.Arguments(remote, spec.FileName, spec.Arguments, spec.RemoteWorkingDirectory) : spec.Arguments;
        var supervised = !spec.WritesStandardInput && spec.Remote is null;
        var (file, args) = !OperatingSystem.IsLinux() ? (program, programArgs)
            : supervised ? StepSupervisor.Wrap(program, programArgs)
            : StepSupervisor.NewGroup(program, programArgs);
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        ChildEnvironment.Apply(psi.Environment, spec.Remote is null ? spec.Environment : new Dictionary<string, string?>());
        var remoteEnvironment = spec.Remote is null ? null : SshTransport.EnvironmentBlock(spec.Environment);

        var capture = new OutputCapture(spec.TailLines, onLine, linePrefix);
        var clock = Stopwatch.StartNew();
        var process = new Process { StartInfo = psi };
        if (!process.Start()) throw new InvalidOperationException($"Could not start {spec.FileName}");
        // setsid execs in place (we are not a group leader), so the child's pid is its new group's id.
        var stat = ProcessGroup.Stat(process.Id);
        var started = new ChildProcessStarted(process.Id, process.Id, stat?.StartTicks ?? 0, ProcessGroup.BootId());
        var readers = Task.WhenAll(
            spec.ReadsStandardOutput ? Task.CompletedTask : Task.Run(() => capture.ReadAsync(process.StandardOutput.BaseStream)),
            Task.Run(() => capture.ReadAsync(process.StandardError.BaseStream)));
        var child = new ChildProcess(process, spec, capture, readers, clock, started);
        try
        {
            if (remoteEnvironment is not null) await child.SendRemoteEnvironmentAsync(remoteEnvironment).ConfigureAwait(false);
            if (spec.OnStarted is not null) await spec.OnStarted(started).ConfigureAwait(false);
        }
        catch
        {
            child.Kill();
            child.Dispose();
            throw;
        }
        return child;
    }

    /// <summary>The remote prelude's variables; the pipe then stays open, unwritten, as the remote group's lifeline.</summary>
    private async Task SendRemoteEnvironmentAsync(byte[] block)
    {
        try
        {
            await _process.StandardInput.BaseStream.WriteAsync(block).ConfigureAwait(false);
            await _process.StandardInput.BaseStream.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ssh already ended (it could not connect): its exit code and output tell why.
        }
    }

    /// <summary>Waits for the exit (or the spec's timeout); on cancellation ends the group and throws with the partial output.</summary>
    public async Task<ChildProcessResult> WaitAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_spec.Timeout != System.Threading.Timeout.InfiniteTimeSpan) timeout.CancelAfter(_spec.Timeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await DrainAsync().ConfigureAwait(false);
            var partial = await EndedAsync(Result(timedOut: true)).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested) throw new ChildProcessCanceledException(partial, cancellationToken);
            return partial;
        }
        await DrainAsync().ConfigureAwait(false);
        return await EndedAsync(Result(timedOut: false)).ConfigureAwait(false);
    }

    private async Task<ChildProcessResult> EndedAsync(ChildProcessResult result)
    {
        if (_spec.OnEnded is not null) await _spec.OnEnded(Started, result).ConfigureAwait(false);
        return result;
    }

    /// <summary>Ends the child's whole process group at once (SIGKILL), then whatever tree is left.</summary>
    public void Kill()
    {
        ProcessGroup.Signal(Started.ProcessGroupId, ProcessGroup.SigKill);
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        // Closing the lifeline ends a supervised group that is still running (our caller gave up on it).
        try { _process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    private ChildProcessResult Result(bool timedOut) =>
        new(timedOut ? null : _process.ExitCode, timedOut, _clock.Elapsed, _capture.Output, _capture.Tail);

    private async Task DrainAsync()
    {
        try { await _readers.WaitAsync(DrainLimit).ConfigureAwait(false); }
        catch (TimeoutException) { }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>The program's path, found in PATH like exec would; Win32Exception (ENOENT) when there is none.</summary>
    private static string Resolve(string fileName)
    {
        if (fileName.Contains('/'))
            return File.Exists(fileName) ? fileName : throw new Win32Exception(2, $"{fileName}: no such file");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new Win32Exception(2, $"{fileName}: command not found in PATH");
    }
}
