using System.Diagnostics;
using System.Text;

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
        void Line(string tool, string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Enqueue($"{tool}: {line}");
                while (tail.Count > 15) tail.Dequeue();
            }
            onLine?.Invoke(line);
        }

        using var consumer = new Process { StartInfo = PgProcess.StartInfo(psql, psqlArgs, environment) };
        using var producer = new Process { StartInfo = PgProcess.StartInfo(pgRestore, restoreArgs, environment) };
        consumer.OutputDataReceived += (_, e) => Line("psql", e.Data);
        consumer.ErrorDataReceived += (_, e) => Line("psql", e.Data);
        producer.ErrorDataReceived += (_, e) => Line("pg_restore", e.Data);
        consumer.Start();
        consumer.BeginOutputReadLine();
        consumer.BeginErrorReadLine();
        producer.Start();
        producer.StandardInput.Close();
        producer.BeginErrorReadLine();
        var consumerGone = false;
        try
        {
            var input = consumer.StandardInput.BaseStream;
            try
            {
                await input.WriteAsync(Encoding.UTF8.GetBytes("BEGIN;\n" + prelude), ct).ConfigureAwait(false);
                await producer.StandardOutput.BaseStream.CopyToAsync(input, ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                consumerGone = true; // psql stopped at an error (ON_ERROR_STOP): its exit code and stderr tell why
                try { producer.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
            await producer.WaitForExitAsync(ct).ConfigureAwait(false);
            producer.WaitForExit();
            // COMMIT only after pg_restore produced its whole script: when it fails, psql reaches the end of its
            // input inside the open transaction and the server rolls it back.
            if (!consumerGone && producer.ExitCode == 0)
            {
                try { await input.WriteAsync("COMMIT;\n"u8.ToArray(), ct).ConfigureAwait(false); }
                catch (IOException) { consumerGone = true; }
            }
            try { input.Close(); } catch (IOException) { }
            await consumer.WaitForExitAsync(ct).ConfigureAwait(false);
            consumer.WaitForExit();
        }
        catch (OperationCanceledException)
        {
            foreach (var p in new[] { consumer, producer })
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                p.WaitForExit(5000);
            }
            throw;
        }
        var exit = consumer.ExitCode != 0 ? consumer.ExitCode
            : producer.ExitCode != 0 ? producer.ExitCode
            : consumerGone ? 1 : 0;
        lock (tail) return new PgProcessResult(exit, tail.ToList(), clock.Elapsed);
    }
}
