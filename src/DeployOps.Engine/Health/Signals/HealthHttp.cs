using System.Net;
using System.Net.Sockets;

namespace DeployOps.Engine.Health.Signals;

/// <summary>The HTTP client every health source shares; per-request timeouts come from cancellation tokens.</summary>
internal static class HealthHttp
{
    public static HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        UseProxy = false,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// The connection was refused: nothing listens on the application's port, so the application is down (evidence),
    /// unlike a timeout or a bad answer, which say nothing certain about it.
    /// </summary>
    public static bool IsRefused(Exception ex) =>
        ex is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } };

    /// <summary>A message for a failed request that says what failed without a stack trace.</summary>
    public static string Describe(Exception ex, TimeSpan timeout) => ex switch
    {
        OperationCanceledException => $"no answer within {Configuration.ValueParsers.FormatDuration(timeout)}",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };
}
