using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health.Decision;

namespace DeployOps.Engine.Health.Signals;

/// <summary>Redis PING: round trip as redisLatency, consecutive failures as redisDown.</summary>
internal sealed class RedisSource : ISignalSource
{
    private readonly RedisSettings _settings;
    private readonly TimeSpan _timeout;
    private IRedisClient? _client;
    private int _streak;

    public RedisSource(RedisSettings settings, TimeSpan timeout)
    {
        _settings = settings;
        _timeout = timeout;
    }

    public string Name => "redis";

    public Task<SourceReading> PrimeAsync(CancellationToken cancellationToken) => Task.FromResult(SourceReading.Empty);

    public async Task<SourceReading> ReadAsync(CancellationToken cancellationToken)
    {
        var reading = new SourceReading();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            _client ??= await RedisClient.ConnectAsync(_settings, timeout.Token).ConfigureAwait(false);
            var rtt = await _client.PingAsync(timeout.Token).ConfigureAwait(false);
            _streak = 0;
            reading.Set(HealthSignals.RedisLatency, rtt.TotalMilliseconds);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _streak++;
            if (_client is not null) { await _client.DisposeAsync().ConfigureAwait(false); _client = null; }
            reading.Notes.Add($"redis {_settings.Endpoint} unreachable ({_streak} in a row): {(ex is OperationCanceledException ? "timed out" : ex.Message)}");
            reading.Unreadable[HealthSignals.RedisLatency] = "redis unreachable";
        }
        reading.Set(HealthSignals.RedisDown, _streak);
        return reading;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync().ConfigureAwait(false);
    }
}
