namespace DeployOps.Engine.Targets;

/// <summary>
/// A named host of <c>targets:</c> that steps reach over OpenSSH. Host keys are always verified against
/// <see cref="KnownHostsFile"/> (StrictHostKeyChecking=yes): an unknown or changed key is an error, never accepted.
/// </summary>
internal sealed class SshTarget
{
    internal SshTarget(string name, string address, int port, string user, string? identityFile, string knownHostsFile,
        SshTarget? jump, IReadOnlyList<string> labels, TimeSpan connectTimeout)
    {
        Name = name;
        Address = address;
        Port = port;
        User = user;
        IdentityFile = identityFile;
        KnownHostsFile = knownHostsFile;
        Jump = jump;
        Labels = labels;
        ConnectTimeout = connectTimeout;
    }

    public string Name { get; }
    public string Address { get; }
    public int Port { get; }
    public string User { get; }
    /// <summary>The private key (full path); null means the keys of the running ssh-agent (SSH_AUTH_SOCK).</summary>
    public string? IdentityFile { get; }
    public bool UsesAgent => IdentityFile is null;
    public string KnownHostsFile { get; }
    /// <summary>The target connections go through (ProxyJump), or null.</summary>
    public SshTarget? Jump { get; }
    public IReadOnlyList<string> Labels { get; }
    public TimeSpan ConnectTimeout { get; }

    public override string ToString() => $"{Name} ({User}@{Address}:{Port})";
}
