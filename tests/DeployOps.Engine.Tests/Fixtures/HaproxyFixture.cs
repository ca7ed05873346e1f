using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A private haproxy in the foreground (<c>-db</c>) on a loopback port: one frontend, one backend whose servers the
/// test writes, an admin socket and a server-state file in a temp folder (the haproxy.cfg docs/deployment.md shows).
/// Stopped by PID; <see cref="Restart"/> starts a new process on the same configuration, as a reload would.
/// </summary>
public sealed class HaproxyFixture : IDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public HaproxyFixture(int port, string backend, IEnumerable<string> serverLines)
    {
        Binary = ExternalProcess.Require("apt-get install -y haproxy", "/usr/sbin/haproxy", "haproxy");
        Directory = ExternalProcess.TempDirectory("haproxy");
        Port = port;
        Backend = backend;
        Socket = Path.Combine(Directory, "admin.sock");
        StateFile = Path.Combine(Directory, "server-state");
        ConfigFile = Path.Combine(Directory, "haproxy.cfg");
        File.WriteAllText(ConfigFile, $$"""
            global
                stats socket {{Socket}} mode 600 level admin
                server-state-file {{StateFile}}
            defaults
                mode http
                timeout connect 2s
                timeout client 30s
                timeout server 30s
                timeout check 5s
                load-server-state-from-file global
            frontend web
                bind 127.0.0.1:{{port}}
                default_backend {{backend}}
            backend {{backend}}
                balance roundrobin
                option httpchk GET /health
                # Fast checks, but a slow first answer of a busy app must not mark it down (timeout check above).
                default-server check inter 200ms rise 2 fall 3
            {{string.Join("\n", serverLines.Select(l => "    " + l))}}

            """); // haproxy refuses a last line without its newline
    }

    public string Binary { get; }
    public string Directory { get; }
    public int Port { get; }
    public string Backend { get; }
    public string Socket { get; }
    public string StateFile { get; }
    public string ConfigFile { get; }
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        ExternalProcess.Run(Binary, $"-c -f {ConfigFile}"); // a broken configuration fails here with haproxy's own message
        _process = ExternalProcess.Start(Binary, $"-db -f {ConfigFile}", _log);
        ExternalProcess.WaitForPort(Port, TimeSpan.FromSeconds(10), Diagnostics);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(Socket) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        // A server with a health check starts DOWN until 'rise' checks passed: until then haproxy answers 503.
        while (!EnabledServersUp() && DateTime.UtcNow < deadline) Thread.Sleep(50);
    }

    private bool EnabledServersUp()
    {
        var answer = new DeployOps.Engine.Traffic.Haproxy.HaproxyRuntimeApi(Socket).SendAsync($"show servers state {Backend}", CancellationToken.None)
            .GetAwaiter().GetResult();
        return DeployOps.Engine.Traffic.Haproxy.HaproxyServer.ParseState(answer, Backend)?.All(s => s.InMaintenance || s.Running) ?? false;
    }

    /// <summary>A new haproxy process on the same configuration (what a reload does to the server table).</summary>
    public void Restart()
    {
        Stop();
        if (File.Exists(Socket)) File.Delete(Socket);
        Start();
    }

    public string Diagnostics() => _log.ToString();

    public void Stop()
    {
        if (_process is null) return;
        ExternalProcess.Stop(_process);
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
