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
    public string BaseUrl => $"http://{Host}:{Port}";

    public override string ToString() => Remote is null ? $"{Name} ({Host}:{Port})" : $"{Name} ({Host}:{Port} on {Remote.Name})";
}
