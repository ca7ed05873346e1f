using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using StackExchange.Redis;

namespace DeployOps.Engine.Clients;

/// <summary><see cref="IRedisClient"/> over StackExchange.Redis 1.2.6 (whose API has no cancellation: we race the token).</summary>
internal sealed class RedisClient : IRedisClient
{
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;

    private RedisClient(ConnectionMultiplexer connection, int database)
    {
        _connection = connection;
        _database = connection.GetDatabase(database);
    }

    public static async Task<IRedisClient> ConnectAsync(RedisSettings settings, CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(settings.Endpoint);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
        options.SyncTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        options.AllowAdmin = true; // INFO needs it in 1.2.x
        options.Password = settings.Password;
        options.DefaultDatabase = settings.Database;
        options.ClientName = "DeployOps";
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RedisClient(connection, settings.Database);
        }
        catch (RedisConnectionException ex)
        {
            throw new DeployOpsException(ErrorIds.RedisUnreachable, ErrorKind.ConnectionError,
                $"Cannot connect to Redis at {settings.Endpoint}: {Describe(ex)}", settings.Endpoint, ex);
        }
    }

    public async Task<TimeSpan> PingAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await _database.PingAsync().WaitAsync(ct).ConfigureAwait(false);
        return clock.Elapsed;
    }

    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string? section, CancellationToken ct)
    {
        var server = _connection.GetServer(_connection.GetEndPoints()[0]);
        var groups = await server.InfoAsync(section).WaitAsync(ct).ConfigureAwait(false);
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in groups)
            foreach (var pair in group)
                result[pair.Key] = pair.Value;
        return result;
    }

    public async Task<string?> GetAsync(string key, CancellationToken ct)
    {
        var value = await _database.StringGetAsync(key).WaitAsync(ct).ConfigureAwait(false);
        return value.IsNull ? null : (string?)value;
    }

    public Task SetAsync(string key, string value, TimeSpan? expiry, CancellationToken ct) =>
        _database.StringSetAsync(key, value, expiry).WaitAsync(ct);

    public Task<bool> DeleteAsync(string key, CancellationToken ct) => _database.KeyDeleteAsync(key).WaitAsync(ct);

    public Task<TimeSpan?> TimeToLiveAsync(string key, CancellationToken ct) => _database.KeyTimeToLiveAsync(key).WaitAsync(ct);

    public Task<long> PublishAsync(string channel, string message, CancellationToken ct) =>
        _connection.GetSubscriber().PublishAsync(channel, message).WaitAsync(ct);

    public async Task<IAsyncDisposable> SubscribeAsync(string channel, Action<string> onMessage, CancellationToken ct)
    {
        var subscriber = _connection.GetSubscriber();
        Action<RedisChannel, RedisValue> handler = (_, message) => onMessage(message!);
        await subscriber.SubscribeAsync(channel, handler).WaitAsync(ct).ConfigureAwait(false);
        return new Subscription(() => subscriber.UnsubscribeAsync(channel, handler));
    }

    public ValueTask DisposeAsync()
    {
        // Every command was awaited, so nothing is pending; Close(true) (what Dispose does) would idle for a second.
        _connection.Close(allowCommandsToComplete: false);
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Describe(RedisConnectionException ex) =>
        ex.Message.Contains("AUTH", StringComparison.OrdinalIgnoreCase) || ex.InnerException?.Message.Contains("AUTH", StringComparison.OrdinalIgnoreCase) == true
            ? "authentication failed (check the password reference)"
            : ex.Message;

    private sealed class Subscription : IAsyncDisposable
    {
        private readonly Func<Task> _unsubscribe;
        public Subscription(Func<Task> unsubscribe) => _unsubscribe = unsubscribe;
        public async ValueTask DisposeAsync() => await _unsubscribe().ConfigureAwait(false);
    }
}
