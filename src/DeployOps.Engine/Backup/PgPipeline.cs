using System.Diagnostics;
using System.Text;
using DeployOps.Engine.Processes;

namespace DeployOps.Engine.Backup;

/// <summary>
/// pg_restore writing its SQL script to stdout, piped into psql inside one transaction that starts with a prelude of
/// our own, so the prelude (dropping relations the backup does not have) and the whole restore commit or roll back together.
/// </summary>
internal static class PgPipeline
{
    public static async Task<PgProcessResult> RunAsync(string pgRestore, IEnumerable<string> restoreArgs, string psql,
        IEnumerable<string> psqlArgs, string prelude, IReadOnlyDictionary<string, string?> environment, Action<string>? onLine,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var tail = new Queue<string>();
        Action<string> Line(string tool) => line =>
        {
            lock (tail)
            {
                tail.Enqueue($"{tool}: {line}");
                while (tail.Count > PgProcess.TailLines) tail.Dequeue();
            }
            onLine?.Invoke(line);
        };

        // psql reads our pipe: it is not supervised, and ends (rolling back) by itself when that pipe closes.
        using var consumer = await ChildProcess.StartAsync(PgProcess.Spec(psql, psqlArgs, environment, writesStandardInput: true), Line("psql"))
            .ConfigureAwait(false);
        using var producer = await ChildProcess.StartAsync(PgProcess.Spec(pgRestore, restoreArgs, environment, readsStandardOutput: true),
            Line("pg_restore")).ConfigureAwait(false);
        var consumerGone = false;
        ChildProcessResult produced;
        ChildProcessResult consumed;
        try
        {
            var input = consumer.StandardInput;
            try
            {
                await input.WriteAsync(Encoding.UTF8.GetBytes("BEGIN;\n" + prelude), ct).ConfigureAwait(false);
                await producer.StandardOutput.CopyToAsync(input, ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                consumerGone = true; // psql stopped at an error (ON_ERROR_STOP): its exit code and stderr tell why
                producer.Kill();
            }
            produced = await producer.WaitAsync(ct).ConfigureAwait(false);
            // COMMIT only after pg_restore produced its whole script: when it fails, psql reaches the end of its
            // input inside the open transaction and the server rolls it back.
            if (!consumerGone && produced.ExitCode == 0)
            {
                try { await input.WriteAsync("COMMIT;\n"u8.ToArray(), ct).ConfigureAwait(false); }
                catch (IOException) { consumerGone = true; }
            }
            try { input.Close(); } catch (IOException) { }
            consumed = await consumer.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            consumer.Kill();
            producer.Kill();
            throw;
        }
        var exit = consumed.ExitCode is not 0 ? consumed.ExitCode ?? -1
            : produced.ExitCode is not 0 ? produced.ExitCode ?? -1
            : consumerGone ? 1 : 0;
        lock (tail) return new PgProcessResult(exit, tail.ToList(), clock.Elapsed);
    }
}
