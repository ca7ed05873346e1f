using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Tcp;

/// <summary><c>kind: tcp</c> — a port accepts connections (<c>host</c> + <c>port</c>, or <c>address: host:port</c>).</summary>
internal sealed class TcpCheckFactory : ICheckFactory
{
    public string Kind => "tcp";
    public string DefaultCategory => "Service";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var address = options.String("address");
        var host = options.String("host");
        var hasPort = options.Has("port");
        var port = options.Int("port", 0, 1, 65535);
        var warnLatency = options.OptionalDuration("warnLatency");
        if (address is not null)
        {
            if (host is not null || hasPort) options.Error("address", "give either address or host and port, not both");
            else if (!TcpProbe.TryParseAddress(address, out host, out port)) options.Error("address", $"expected host:port, got '{address}'");
        }
        else
        {
            if (host is null) options.Error("host", "is required (or give address: host:port)");
            if (!hasPort) options.Error("port", "is required (or give address: host:port)");
        }
        return new TcpCheck(host ?? "", port, warnLatency);
    }
}
