using System.Diagnostics;
using System.Text;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A throwaway Docker registry (distribution, Debian package docker-registry) on a free loopback port with filesystem
/// storage in a temp dir and no auth. dockerd treats 127.0.0.0/8 registries as insecure (plain http) by default.
/// </summary>
public sealed class LocalRegistryFixture : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly Process _process;

    public LocalRegistryFixture()
    {
        var binary = ExternalProcess.Require("apt-get install -y docker-registry", "/usr/bin/docker-registry", "docker-registry");
        Port = FreePort.Next();
        Directory = ExternalProcess.TempDirectory("registry");
        var config = Path.Combine(Directory, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Directory}/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
            """);
        _process = ExternalProcess.Start(binary, $"serve {config}", _log, Directory);
        ExternalProcess.WaitForPort(Port, TimeSpan.FromSeconds(15), () => _log.ToString());
    }

    public int Port { get; }
    public string Directory { get; }
    /// <summary>Registry host as it prefixes image names: 127.0.0.1:port.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            ExternalProcess.Kill(_process.Id, 9);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
