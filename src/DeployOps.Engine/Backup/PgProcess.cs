using System.Diagnostics;

namespace DeployOps.Engine.Backup;

/// <summary>How a pg tool ended: exit code and the last lines of its stderr (its diagnostics).</summary>
internal sealed record PgProcessResult(int ExitCode, IReadOnlyList<string> ErrorTail, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
    public string ErrorText => string.Join(" | ", ErrorTail.Where(l => l.Length > 0));
}

/// <summary>
/// Runs pg_dump/pg_restore directly (no shell, so no quoting of names) with an argument list and environment,
/// streaming stderr lines; cancellation kills it so nothing keeps writing behind the operator's back.
/// </summary>
internal static class PgProcess
{
    internal static ProcessStartInfo StartInfo(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        return psi;
    }

    public static async Task<PgProcessResult> RunAsync(string file, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment, Action<string>? onStderrLine, CancellationToken cancellationToken)
    {
        var psi = StartInfo(file, arguments, environment);

        var tail = new Queue<string>();
        void Line(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Enqueue(line);
                while (tail.Count > 15) tail.Dequeue();
            }
            onStderrLine?.Invoke(line);
        }

        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            process.WaitForExit();
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            throw;
        }
        lock (tail) return new PgProcessResult(process.ExitCode, tail.ToList(), clock.Elapsed);
    }
}
