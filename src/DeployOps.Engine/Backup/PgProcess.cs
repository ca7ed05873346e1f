using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Backup;

/// <summary>How a pg tool ended: exit code and the last lines of its stderr (its diagnostics).</summary>
internal sealed record PgProcessResult(int ExitCode, IReadOnlyList<string> ErrorTail, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
    public string ErrorText => string.Join(" | ", ErrorTail.Where(l => l.Length > 0));
}

/// <summary>
/// Runs pg_dump/pg_restore through <see cref="ChildProcess"/>: an argument list (no shell, so no quoting of names),
/// the scrubbed environment plus the libpq settings, stderr lines streamed; cancellation ends its process group.
/// </summary>
internal static class PgProcess
{
    public const int TailLines = 15;

    public static async Task<PgProcessResult> RunAsync(string file, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment, Action<string>? onStderrLine, CancellationToken cancellationToken)
    {
        var result = await ChildProcess.RunAsync(Spec(file, arguments, environment), onStderrLine, cancellationToken).ConfigureAwait(false);
        return new PgProcessResult(result.ExitCode ?? -1, result.Tail, result.Duration);
    }

    internal static ChildProcessSpec Spec(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment,
        bool writesStandardInput = false, bool readsStandardOutput = false) => new()
    {
        FileName = file,
        Arguments = arguments.ToList(),
        Environment = environment,
        TailLines = TailLines,
        WritesStandardInput = writesStandardInput,
        ReadsStandardOutput = readsStandardOutput,
    };
}
