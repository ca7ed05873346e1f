using System.ComponentModel;
using DeployOps.Engine.Clients;

namespace DeployOps.Engine.Checks.Command;

/// <summary>
/// Runs a command line and passes on the expected exit code, keeping the tail of its output for the operator.
/// The check's timeout is the command's: when it fires the whole process tree is killed.
/// </summary>
internal sealed class CommandCheck : ICheck
{
    private readonly string _command;
    private readonly string _shell;
    private readonly string _workingDirectory;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly int _expectExitCode;
    private readonly int _tailLines;

    public CommandCheck(string command, string shell, string workingDirectory, IReadOnlyDictionary<string, string> environment,
        int expectExitCode, int tailLines)
    {
        _command = command;
        _shell = shell;
        _workingDirectory = workingDirectory;
        _environment = environment;
        _expectExitCode = expectExitCode;
        _tailLines = tailLines;
    }

    public string Target => _command;

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object?>
        {
            ["shell"] = _shell,
            ["workingDirectory"] = _workingDirectory,
            ["expectedExitCode"] = _expectExitCode,
        };
        if (!Directory.Exists(_workingDirectory))
            return CheckOutcome.Fail($"working directory not found: {_workingDirectory}", data);

        var spec = new ShellCommandSpec
        {
            Command = _command,
            Shell = _shell,
            WorkingDirectory = _workingDirectory,
            Environment = _environment,
            // The runner's per-check timeout cancels the token; this only bounds a run outside the runner.
            Timeout = Timeout.InfiniteTimeSpan,
            TailLines = _tailLines,
        };
        ShellCommandResult result;
        try
        {
            result = await ShellCommand.RunAsync(spec, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception ex)
        {
            return CheckOutcome.Fail($"cannot start {_shell}: {ex.Message}", data);
        }

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
