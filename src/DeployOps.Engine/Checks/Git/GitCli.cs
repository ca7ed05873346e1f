using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Checks.Git;

/// <summary>
/// Runs git against one repository through <see cref="ChildProcess"/>, in the C locale and never prompting. git is
/// started directly with an argument list (no shell), so repository paths and refs with spaces or quotes are data.
/// </summary>
internal sealed class GitCli
{
    private static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?>
    {
        ["LC_ALL"] = "C",
        ["GIT_TERMINAL_PROMPT"] = "0",
        // Read-only inspection must not take the index lock another git process may hold.
        ["GIT_OPTIONAL_LOCKS"] = "0",
    };

    private readonly string _repository;

    public GitCli(string repository) => _repository = repository;

    public async Task<(int ExitCode, string Output)> RunAsync(CancellationToken ct, params string[] args)
    {
        var arguments = new List<string> { "-C", _repository };
        arguments.AddRange(args);
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(new ChildProcessSpec
            {
                FileName = "git",
                Arguments = arguments,
                WorkingDirectory = Directory.Exists(_repository) ? _repository : null,
                Environment = Environment,
                Timeout = Timeout.InfiniteTimeSpan,
                TailLines = 5,
            }, null, ct).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (127, "git: command not found");
        }
        return (result.ExitCode ?? -1, result.Output.TrimEnd('\r', '\n'));
    }

    /// <summary>The output of a command that must succeed; otherwise a <see cref="GitFailedException"/> with git's words.</summary>
    public async Task<string> OutputAsync(CancellationToken ct, params string[] args)
    {
        var (exit, output) = await RunAsync(ct, args).ConfigureAwait(false);
        if (exit != 0) throw new GitFailedException(exit == 127 ? "git is not installed (command not found)" : $"git {string.Join(" ", args)} failed: {LastLine(output)}");
        return output;
    }

    private static string LastLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1].Trim();
    }
}

internal sealed class GitFailedException : Exception
{
    public GitFailedException(string message) : base(message) { }
}
