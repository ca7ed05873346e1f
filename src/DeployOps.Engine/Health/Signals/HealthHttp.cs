using System.Net;

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

    /// <summary>A message for a failed request that says what failed without a stack trace.</summary>
    public static string Describe(Exception ex, TimeSpan timeout) => ex switch
    {
        OperationCanceledException => $"no answer within {Configuration.ValueParsers.FormatDuration(timeout)}",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };
}
