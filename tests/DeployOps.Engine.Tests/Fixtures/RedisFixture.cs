using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>A throwaway redis-server on a free loopback port (optionally with a password), stopped by PID.</summary>
public sealed class RedisFixture : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly string _binary;
    private Process? _process;

    public RedisFixture(string? password = null)
    {
        _binary = ExternalProcess.Require("apt-get install -y redis-server", "/usr/bin/redis-server", "redis-server");
        Password = password;
        Port = FreePort.Next();
        Directory = ExternalProcess.TempDirectory("redis");
        Start();
    }

    public int Port { get; }
    public string? Password { get; }
    public string Directory { get; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        var auth = Password is null ? "" : $" --requirepass {Password}";
        _process = ExternalProcess.Start(_binary,
            $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {Directory}{auth}", _log);
        ExternalProcess.WaitForPort(Port, TimeSpan.FromSeconds(10), () => _log.ToString());
    }

    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            ExternalProcess.Kill(_process.Id, 9);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
