using DeployOps.Engine.Configuration;

namespace DeployOps.Engine.Checks.Tls;

/// <summary>Reads <c>kind: tls</c> entries: a PEM file or a live host:port, and what the certificate must satisfy.</summary>
internal sealed class TlsCheckFactory : ICheckFactory
{
    public const int DefaultMinDaysLeft = 30;
    public const int DefaultPort = 443;

    public string Kind => "tls";
    public string DefaultCategory => "Security";

    public ICheck Create(ConfigMap options, CheckFactoryContext context)
    {
        var file = options.String("file");
        var address = options.String("address");
        var host = options.String("host");
        var port = options.Int("port", DefaultPort, 1, 65535);
        var hostname = options.String("hostname");
        var minDaysLeft = options.Int("minDaysLeft", DefaultMinDaysLeft, 0, 3650);
        var verifyChain = options.Bool("verifyChain", true);
        var caFile = options.String("caFile") is { } ca ? context.ResolvePath(ca) : null;

        if (address is not null)
        {
            if (host is not null) options.Error("host", "give either 'address' (host:port) or 'host' and 'port', not both");
            if (TrySplitAddress(address, out var h, out var p)) (host, port) = (h, p);
            else options.Error("address", $"expected host:port, got '{address}'");
        }
        if (file is not null && host is not null)
            options.Error("file", "give either 'file' or a live 'host'/'address', not both");
        if (file is null && host is null)
            options.ErrorHere("needs 'file' (a PEM certificate) or 'host' (with 'port', default 443) or 'address: host:port'");

        var source = file is not null
            ? CertificateSource.FromFile(context.ResolvePath(file))
            : CertificateSource.FromHost(host ?? "", port);
        // A live endpoint is always checked against the name it was reached by; a file only when asked.
        return new TlsCheck(new TlsCheckSettings(source, hostname ?? (file is null ? host : null), minDaysLeft, verifyChain, caFile));
    }

    private static bool TrySplitAddress(string address, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], out port) || port is < 1 or > 65535) return false;
        host = address[..colon].Trim('[', ']');
        return host.Length > 0;
    }
}

internal sealed record TlsCheckSettings(CertificateSource Source, string? Hostname, int MinDaysLeft, bool VerifyChain, string? CaFile);
