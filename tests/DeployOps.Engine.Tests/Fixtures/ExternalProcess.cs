using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>Starting real servers for tests: binaries located with an install hint, output captured, stopped by PID.</summary>
public static class ExternalProcess
{
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>The first existing path, or a failure that says which package to install.</summary>
    public static string Require(string installCommand, params string[] candidates)
    {
        foreach (var c in candidates)
        {
            if (Path.IsPathRooted(c) && File.Exists(c)) return c;
            if (!Path.IsPathRooted(c))
            {
                foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
                {
                    var full = Path.Combine(dir, c);
                    if (File.Exists(full)) return full;
                }
            }
        }
        throw new InvalidOperationException(
            $"Test fixture needs {string.Join(" or ", candidates)}, which is not installed. Install it with: {installCommand}");
    }

    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    public static string Run(string file, string arguments, TimeSpan? timeout = null, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, bool check = true)
    {
        var psi = StartInfo(file, arguments, workingDirectory, environment);
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit((int)(timeout ?? TimeSpan.FromSeconds(60)).TotalMilliseconds))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{file} {arguments} did not finish: {output}");
        }
        p.WaitForExit();
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} exited {p.ExitCode}: {output}");
        return output.ToString();
    }

    /// <summary>Starts a long-running server process; its output is kept for failure messages.</summary>
    public static Process Start(string file, string arguments, StringBuilder log, string? workingDirectory = null,
        IDictionary<string, string>? environment = null)
    {
        var psi = StartInfo(file, arguments, workingDirectory, environment);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Stops a server started with <see cref="Start"/>: SIGTERM, SIGKILL after 10 s, then releases it.</summary>
    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            Kill(process.Id, 15);
            if (!process.WaitForExit(10_000)) Kill(process.Id, 9);
        }
        process.Dispose();
    }

    public static void Kill(int pid, int signal = 15)
    {
        try { Run("kill", $"-{signal} {pid}", check: false); } catch (Exception) { }
    }

    public static void WaitForPort(int port, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"Nothing listened on 127.0.0.1:{port} within {timeout}. {diagnostics?.Invoke()}");
    }

    private static ProcessStartInfo StartInfo(string file, string arguments, string? workingDirectory, IDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        return psi;
    }

    public static string TempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"deployops-{prefix}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
