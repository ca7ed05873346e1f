using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace DeployOps.Engine.Checks.Tcp;

/// <summary>Opens (and closes) one TCP connection: the cheapest proof that something listens on host:port.</summary>
internal static class TcpProbe
{
    public sealed record Result(bool Connected, TimeSpan Latency, string? Problem);

    public static async Task<Result> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new Result(true, clock.Elapsed, null);
        }
        catch (SocketException ex)
        {
            return new Result(false, clock.Elapsed, Reason(ex));
        }
    }

    /// <summary>Splits <c>host:port</c> (or <c>[v6]:port</c>); false when there is no valid port.</summary>
    public static bool TryParseAddress(string address, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || colon == address.Length - 1) return false;
        host = address[..colon].Trim('[', ']');
        return host.Length > 0 &&
            int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }

    public static string Reason(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (nothing is listening)",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host name not found",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        _ => ex.Message,
    };
}
