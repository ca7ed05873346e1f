using System.Diagnostics;
using System.Net.Sockets;

namespace DeployOps.Bench;

/// <summary>Minimal starters for the real servers a bench needs (loopback only), stopped by PID.</summary>
internal sealed class MaintenanceBenchProcess : IDisposable
{
    private readonly Process _process;

    private MaintenanceBenchProcess(Process process) => _process = process;

    public static MaintenanceBenchProcess Start(string file, string arguments, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{Path.GetFileName(file)}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new MaintenanceBenchProcess(process);
    }

    public static int FreePort()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // SIGTERM first: nginx's master stops its workers on TERM, while SIGKILL would orphan them.
            using (var kill = Process.Start("kill", $"-TERM {_process.Id}")) kill.WaitForExit();
            if (!_process.WaitForExit(10_000)) _process.Kill();
        }
        _process.Dispose();
    }
}
