using DeployOps.Engine.Targets;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// Real OpenSSH hosts for tests: each a network namespace of its own with a veth link to this (the operator's)
/// namespace and its own sshd, set up by tests/fixtures/ssh-host.sh (shared with the Pester suites). A client key
/// and the known_hosts file are generated per fixture. Dispose stops each sshd by its PID and deletes each namespace.
/// Without root (no CAP_NET_ADMIN) the constructor fails with a message saying so.
/// </summary>
public sealed class SshHostFixture : IDisposable
{
    private readonly List<(string Name, int Pid)> _up = new();

    private readonly Dictionary<string, string> _scriptEnvironment = new();

    /// <param name="hosts">How many hosts (namespaces with an sshd each).</param>
    /// <param name="sessionEnvironment">"NAME=VALUE" set in every ssh session on the hosts (sshd SetEnv), or null.</param>
    public SshHostFixture(int hosts, string? sessionEnvironment = null)
    {
        if (sessionEnvironment is not null) _scriptEnvironment["SSH_HOST_SETENV"] = sessionEnvironment;
        Directory = ExternalProcess.TempDirectory("ssh");
        Script = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "ssh-host.sh");
        ExternalProcess.Require("apt-get install -y openssh-server", "/usr/sbin/sshd");
        ExternalProcess.Require("apt-get install -y openssh-client", "ssh-keygen");
        ClientKey = Path.Combine(Directory, "client_key");
        ExternalProcess.Run("ssh-keygen", $"-q -t ed25519 -N \"\" -C deployops-test -f {ClientKey}");
        KnownHosts = Path.Combine(Directory, "known_hosts");
        try
        {
            for (var i = 0; i < hosts; i++) Hosts.Add(Up($"h{Guid.NewGuid():N}"[..8]));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }
    public string Script { get; }
    public string ClientKey { get; }
    public string KnownHosts { get; }
    public List<Host> Hosts { get; } = new();

    public sealed record Host(string Name, string Address, int SshdPid, string Folder)
    {
        public string PublicKeyLine => File.ReadAllText(Path.Combine(Folder, "ssh_host_ed25519_key.pub")).Trim();
    }

    /// <summary>The target a configuration would declare for host <paramref name="index"/>.</summary>
    internal SshTarget Target(int index, string? knownHosts = null) =>
        new(Hosts[index].Name, Hosts[index].Address, 22, "root", ClientKey, knownHosts ?? KnownHosts, null, Array.Empty<string>(), TimeSpan.FromSeconds(5));

    /// <summary>Takes the host off the network (its link down) or back.</summary>
    public void Link(int index, bool up) => ExternalProcess.Run("bash", $"{Script} link {Hosts[index].Name} {(up ? "up" : "down")}");

    private Host Up(string name)
    {
        var folder = Path.Combine(Directory, name);
        // "auto": the script picks a 10.77.N.0/24 no other fixture (xunit or Pester) uses, under a lock.
        var output = ExternalProcess.Run("bash", $"{Script} up {name} auto {folder} {ClientKey}.pub", TimeSpan.FromSeconds(30), environment: _scriptEnvironment).Trim();
        var parts = output.Split(' ');
        var host = new Host(name, parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), folder);
        _up.Add((name, host.SshdPid));
        File.AppendAllText(KnownHosts, $"{host.Address} {string.Join(' ', host.PublicKeyLine.Split(' ').Take(2))}\n");
        return host;
    }

    public void Dispose()
    {
        foreach (var (name, pid) in _up)
        {
            try { ExternalProcess.Run("bash", $"{Script} down {name} {pid}", TimeSpan.FromSeconds(30), check: false); }
            catch (TimeoutException) { }
        }
        _up.Clear();
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
