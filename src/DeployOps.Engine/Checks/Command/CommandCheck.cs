using System.ComponentModel;
using DeployOps.Engine.Processes;
using DeployOps.Engine.Targets;

namespace DeployOps.Engine.Checks.Command;

/// <summary>
/// Runs a command line and passes on the expected exit code, keeping the tail of its output for the operator.
/// The check's timeout is the command's: when it fires the whole process group is killed and the result keeps
/// the tail of what it printed, so the operator sees where it hung. On a target the command runs there over SSH
/// (the same supervisor: a timeout ends its group on the host), in the configured folder relative to the login's home.
/// </summary>
internal sealed class CommandCheck : ICheck, IReportsOwnTimeout, OnTarget.ITargetableCheck
{
    private readonly string _command;
    private readonly string _shell;
    private readonly string _workingDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly int _expectExitCode;
    private readonly int _tailLines;
    private readonly string? _configuredWorkingDirectory;
    private readonly SshTarget? _remote;

    public CommandCheck(string command, string shell, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        int expectExitCode, int tailLines, string? configuredWorkingDirectory = null, SshTarget? remote = null)
    {
        _configuredWorkingDirectory = configuredWorkingDirectory;
        _remote = remote;
        _command = command;
        _shell = shell;
        _workingDirectory = workingDirectory;
        _environment = environment;
        _expectExitCode = expectExitCode;
        _tailLines = tailLines;
    }

    public string Target => _remote is null ? _command : $"{_remote.Name}: {_command}";

    public ICheck On(SshTarget target) =>
        new CommandCheck(_command, _shell, _workingDirectory, _environment, _expectExitCode, _tailLines, _configuredWorkingDirectory, target);

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?>
        {
            ["shell"] = _shell,
            ["workingDirectory"] = _remote is null ? _workingDirectory : _configuredWorkingDirectory ?? "~",
            ["expectedExitCode"] = _expectExitCode,
        };
        if (_remote is null && !Directory.Exists(_workingDirectory))
            return CheckOutcome.Fail($"working directory not found: {_workingDirectory}", data);

        var (file, args) = ChildProcessSpec.Shell(_shell, _command);
        var spec = new ChildProcessSpec
        {
            FileName = file,
            Arguments = args,
            WorkingDirectory = _workingDirectory,
            Environment = _environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
            // The runner's per-check timeout cancels the token; this only bounds a run outside the runner.
            Timeout = Timeout.InfiniteTimeSpan,
            TailLines = _tailLines,
            Remote = _remote,
            RemoteWorkingDirectory = _configuredWorkingDirectory,
        };
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(spec, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            return CheckOutcome.Fail($"cannot start {_shell}: {ex.Message}", data);
        }
        catch (ChildProcessCanceledException ex)
        {
            // The runner's timeout: the group is gone; say where it hung with what it printed last.
            var partial = ex.Partial;
            data["durationMs"] = Math.Round(partial.Duration.TotalMilliseconds);
            data["tail"] = partial.TailText;
            var printed = partial.Tail.Count == 0 ? " (no output)" : $"; last {partial.Tail.Count} line(s):{Environment.NewLine}{partial.TailText}";
            return CheckOutcome.Fail($"timed out after {partial.Duration.TotalSeconds:0.0}s and was stopped{printed}", data);
        }

        if (_remote is not null && _expectExitCode != SshTransport.SshFailureExitCode
            && await RemoteFailure.ClassifyAsync(_remote, result, cancellationToken).ConfigureAwait(false) is { } sshFailure)
            return OnTarget.TargetScript.Failed(sshFailure, data);

        data["exitCode"] = result.ExitCode;
        data["durationMs"] = Math.Round(result.Duration.TotalMilliseconds);
        data["outputLines"] = result.Output.Length == 0 ? 0 : result.Output.TrimEnd('\n', '\r').Split('\n').Length;
        data["tail"] = result.TailText;
        if (result.ExitCode == _expectExitCode)
            return CheckOutcome.Pass($"exit code {result.ExitCode} in {result.Duration.TotalSeconds:0.0}s", data);

        var tail = result.Tail.Count == 0 ? " (no output)" : $"; last {result.Tail.Count} line(s):{Environment.NewLine}{result.TailText}";
        return CheckOutcome.Fail($"exited with code {result.ExitCode}, expected {_expectExitCode}{tail}", data);
    }
}
