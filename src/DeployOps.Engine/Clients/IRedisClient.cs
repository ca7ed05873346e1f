namespace DeployOps.Engine.Clients;

/// <summary>
/// The few Redis operations DeployOps needs, behind our own interface so the client library (StackExchange.Redis
/// 2.x) never leaks into public types and can be replaced.
/// </summary>
internal interface IRedisClient : IAsyncDisposable
{
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken);
    /// <summary>INFO [section] parsed into field → value.</summary>
    Task<IReadOnlyDictionary<string, string>> InfoAsync(string? section, CancellationToken cancellationToken);
    Task<string?> GetAsync(string key, CancellationToken cancellationToken);
    Task SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken);
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);
    Task<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken);
    /// <summary>PUBLISH; returns the number of subscribers that received it.</summary>
    Task<long> PublishAsync(string channel, string message, CancellationToken cancellationToken);
    /// <summary>SUBSCRIBE; the handler runs for each message until the returned handle is disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(string channel, Action<string> onMessage, CancellationToken cancellationToken);
}
