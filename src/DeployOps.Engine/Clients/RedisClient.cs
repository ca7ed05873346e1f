using DeployOps.Engine.Configuration;
using StackExchange.Redis;

namespace DeployOps.Engine.Clients;

/// <summary>
/// <see cref="IRedisClient"/> over StackExchange.Redis 2.x. Its commands take no CancellationToken (they are bounded
/// by AsyncTimeout instead), so a cancelled caller stops waiting through <see cref="Task.WaitAsync(CancellationToken)"/>.
/// </summary>
internal sealed class RedisClient : IRedisClient
{
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly RedisSettings _settings;

    private RedisClient(ConnectionMultiplexer connection, RedisSettings settings)
    {
        _connection = connection;
        _settings = settings;
        _database = connection.GetDatabase(settings.Database);
    }

    public static async Task<IRedisClient> ConnectAsync(RedisSettings settings, CancellationToken cancellationToken)
    {
        var timeout = (int)settings.ConnectTimeout.TotalMilliseconds;
        var options = ConfigurationOptions.Parse(settings.Endpoint);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = timeout;
        options.SyncTimeout = timeout;
        options.AsyncTimeout = timeout;
        options.ConnectRetry = 1;
        options.AllowAdmin = true; // still needed in 2.x: IServer.Info (the INFO command) is admin-gated
        options.User = settings.User;
        options.Password = settings.Password;
        options.DefaultDatabase = settings.Database;
        options.ClientName = "DeployOps";
        var tls = settings.Tls is { } t ? new RedisTlsValidation(t) : null;
        tls?.Apply(options);
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RedisClient(connection, settings);
        }
        catch (Exception ex) when (RedisErrors.IsRedisFailure(ex))
        {
            throw RedisErrors.Translate(ex, settings, "Cannot connect to", tls?.Failure);
        }
    }

    public Task<TimeSpan> PingAsync(CancellationToken ct) => Guard(_database.PingAsync(), "PING to", ct);

    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string? section, CancellationToken ct)
    {
        var server = _connection.GetServer(_connection.GetEndPoints()[0]);
        var groups = await Guard(server.InfoAsync(section), "INFO from", ct).ConfigureAwait(false);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in groups)
            foreach (var pair in group)
                result[pair.Key] = pair.Value;
        return result;
    }

    public async Task<string?> GetAsync(string key, CancellationToken ct)
    {
        var value = await Guard(_database.StringGetAsync(key), "GET from", ct).ConfigureAwait(false);
        return value.IsNull ? null : (string?)value;
    }

    public Task SetAsync(string key, string value, TimeSpan? expiry, CancellationToken ct) =>
        Guard(_database.StringSetAsync(key, value, expiry), "SET on", ct);

    public Task<bool> DeleteAsync(string key, CancellationToken ct) => Guard(_database.KeyDeleteAsync(key), "DEL on", ct);

    public Task<TimeSpan?> TimeToLiveAsync(string key, CancellationToken ct) => Guard(_database.KeyTimeToLiveAsync(key), "TTL from", ct);

    public Task<long> PublishAsync(string channel, string message, CancellationToken ct) =>
        Guard(_connection.GetSubscriber().PublishAsync(RedisChannel.Literal(channel), message), "PUBLISH to", ct);

    public async Task<IAsyncDisposable> SubscribeAsync(string channel, Action<string> onMessage, CancellationToken ct)
    {
        var subscriber = _connection.GetSubscriber();
        var literal = RedisChannel.Literal(channel); // a name with '*' is a channel name, not a pattern
        Action<RedisChannel, RedisValue> handler = (_, message) => onMessage(message!);
        await Guard(SubscribeAsync(subscriber, literal, handler), "SUBSCRIBE to", ct).ConfigureAwait(false);
        return new Subscription(() => subscriber.UnsubscribeAsync(literal, handler));
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>Awaits a command (until the token is cancelled) and words a failure in admin terms (RedisUnreachable).</summary>
    private async Task<T> Guard<T>(Task<T> command, string doing, CancellationToken ct)
    {
        try
        {
            return await command.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisErrors.IsRedisFailure(ex))
        {
            throw RedisErrors.Translate(ex, _settings, doing, null);
        }
    }

    private static async Task<bool> SubscribeAsync(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
        return true;
    }

    private sealed class Subscription : IAsyncDisposable
    {
        private readonly Func<Task> _unsubscribe;
        public Subscription(Func<Task> unsubscribe) => _unsubscribe = unsubscribe;
        public async ValueTask DisposeAsync() => await _unsubscribe().ConfigureAwait(false);
    }
}
