namespace DeployOps.Engine.Tests.Fixtures;

/// <summary>
/// A network namespace of its own joined to this one by a veth pair: <see cref="HostAddress"/> (10.78.N.1/24) on this
/// side, <see cref="Address"/> (10.78.N.2/24) inside, N picked unused. A server started inside (nsenter
/// --net=/run/netns/<see cref="Name"/>) is a remote host as far as its address goes. Dispose deletes the namespace and
/// its link; stop what runs inside first. Needs root (CAP_NET_ADMIN).
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private bool _created;

    public NetworkNamespace()
    {
        if (!ExternalProcess.IsRoot)
            throw new InvalidOperationException("NetworkNamespace creates a network namespace, which needs root (CAP_NET_ADMIN); run the tests as root.");
        ExternalProcess.Require("apt-get install -y iproute2", "/usr/sbin/ip", "/sbin/ip", "ip");
        // 15-byte interface names: "dod" + 8 + "o"/"i".
        Name = "dod" + Guid.NewGuid().ToString("N")[..8];
        var used = ExternalProcess.Run("ip", "-4 -o addr show");
        var index = Enumerable.Range(0, 64).Select(_ => Random.Shared.Next(1, 255)).First(n => !used.Contains($" 10.78.{n}.", StringComparison.Ordinal));
        HostAddress = $"10.78.{index}.1";
        Address = $"10.78.{index}.2";
        try
        {
            ExternalProcess.Run("ip", $"netns add {Name}");
            _created = true;
            ExternalProcess.Run("ip", $"link add {Name}o type veth peer name {Name}i");
            ExternalProcess.Run("ip", $"link set {Name}i netns {Name}");
            ExternalProcess.Run("ip", $"addr add {HostAddress}/24 dev {Name}o");
            ExternalProcess.Run("ip", $"link set {Name}o up");
            ExternalProcess.Run("ip", $"netns exec {Name} ip addr add {Address}/24 dev {Name}i");
            ExternalProcess.Run("ip", $"netns exec {Name} ip link set {Name}i up");
            ExternalProcess.Run("ip", $"netns exec {Name} ip link set lo up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }
    /// <summary>The namespace's own address (its side of the veth pair).</summary>
    public string Address { get; }
    /// <summary>This namespace's address on the link.</summary>
    public string HostAddress { get; }

    public void Dispose()
    {
        if (!_created) return;
        _created = false;
        ExternalProcess.Run("ip", $"netns del {Name}", check: false);
        // Deleting the namespace takes its end of the pair with it; this side goes too, unless it was never moved.
        ExternalProcess.Run("ip", $"link del {Name}o", check: false);
    }
}
