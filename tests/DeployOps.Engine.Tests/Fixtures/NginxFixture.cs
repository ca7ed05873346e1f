using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A private nginx (own prefix, pid file, logs and temp paths) whose http block includes every
/// <c>conf.d/*.conf</c>. Tests write server blocks there, then start or reload. Stopped by PID.
/// </summary>
public sealed class NginxFixture : IDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public NginxFixture()
    {
        Binary = ExternalProcess.Require("apt-get install -y nginx-light", "/usr/sbin/nginx", "nginx");
        Prefix = ExternalProcess.TempDirectory("nginx");
        ConfDirectory = Path.Combine(Prefix, "conf.d");
        Directory.CreateDirectory(ConfDirectory);
        Directory.CreateDirectory(Path.Combine(Prefix, "tmp"));
        Directory.CreateDirectory(Path.Combine(Prefix, "logs"));
        MainConfig = Path.Combine(Prefix, "nginx.conf");
        File.WriteAllText(MainConfig, $$"""
            {{(ExternalProcess.IsRoot ? "user root root;" : "")}}
            worker_processes 1;
            daemon off;
            pid {{Prefix}}/nginx.pid;
            error_log {{Prefix}}/logs/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{Prefix}}/tmp/body;
                proxy_temp_path {{Prefix}}/tmp/proxy;
                fastcgi_temp_path {{Prefix}}/tmp/fastcgi;
                uwsgi_temp_path {{Prefix}}/tmp/uwsgi;
                scgi_temp_path {{Prefix}}/tmp/scgi;
                include {{ConfDirectory}}/*.conf;
            }
            """);
    }

    public string Binary { get; }
    public string Prefix { get; }
    public string ConfDirectory { get; }
    public string MainConfig { get; }
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The command line prefix that addresses this instance: <c>-p prefix -c conf</c>.</summary>
    public string Arguments => $"-p {Prefix}/ -c {MainConfig}";

    public string WriteConf(string name, string content)
    {
        var path = Path.Combine(ConfDirectory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Start(params int[] waitForPorts)
    {
        _process = ExternalProcess.Start(Binary, Arguments, _log);
        foreach (var port in waitForPorts) ExternalProcess.WaitForPort(port, TimeSpan.FromSeconds(10), Diagnostics);
    }

    public void Reload() => ExternalProcess.Run(Binary, Arguments + " -s reload");

    /// <summary>nginx -t; returns (ok, output).</summary>
    public (bool Ok, string Output) Test()
    {
        try { return (true, ExternalProcess.Run(Binary, Arguments + " -t")); }
        catch (InvalidOperationException ex) { return (false, ex.Message); }
    }

    public string Diagnostics() => _log + Environment.NewLine + ReadErrorLog();

    public string ReadErrorLog()
    {
        var path = Path.Combine(Prefix, "logs", "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public void Stop()
    {
        if (_process is null) return;
        ExternalProcess.Stop(_process);
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try { Directory.Delete(Prefix, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
