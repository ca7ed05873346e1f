namespace DeployOps.Engine.Strategies;

/// <summary>A place a version runs: a blue/green slot or one instance of a rolling/canary pool.</summary>
internal sealed class DeploymentTarget
{
    public DeploymentTarget(string name, string host, int port)
    {
        Name = name;
        Host = host;
        Port = port;
    }

    public string Name { get; }
    public string Host { get; }
    public int Port { get; }
    /// <summary>The <c>targets:</c> host it lives on (its steps run there over ssh); null: this host.</summary>
    public Targets.SshTarget? Remote { get; init; }
    /// <summary>
    /// A slot that is a set of hosts (<c>targets: [web1, web2]</c>): one member per host, named <c>slot.host</c>, each
    /// deployed and verified on its host and each a backend of the router. Empty: the slot is one place (itself).
    /// </summary>
    public IReadOnlyList<DeploymentTarget> Members { get; init; } = Array.Empty<DeploymentTarget>();
    /// <summary>Where the version runs and traffic goes: the members, or the target itself.</summary>
    public IReadOnlyList<DeploymentTarget> Places => Members.Count > 0 ? Members : new[] { this };
    public string BaseUrl => $"http://{Host}:{Port}";

    public override string ToString() =>
        Members.Count > 0 ? $"{Name} (port {Port} on {string.Join(", ", Members.Select(m => m.Remote?.Name ?? m.Host))})"
        : Remote is null ? $"{Name} ({Host}:{Port})" : $"{Name} ({Host}:{Port} on {Remote.Name})";
}
