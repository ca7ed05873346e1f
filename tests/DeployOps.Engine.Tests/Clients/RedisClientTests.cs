using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Clients;

public sealed class RedisClientTests : IDisposable
{
    private readonly RedisFixture _redis = new("fixture-redis-pw-77");

    [Fact]
    public async Task Ping_set_get_ttl_publish_subscribe_against_real_redis()
    {
        await using var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, _redis.Password, 2, TimeSpan.FromSeconds(3)), CancellationToken.None);
        Assert.True(await client.PingAsync(CancellationToken.None) < TimeSpan.FromSeconds(3));
        await client.SetAsync("k", "v", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("v", await client.GetAsync("k", CancellationToken.None));
        Assert.InRange((await client.TimeToLiveAsync("k", CancellationToken.None))!.Value.TotalSeconds, 1, 30);
        Assert.Equal("redis_version", (await client.InfoAsync("server", CancellationToken.None)).Keys.First(k => k == "redis_version"));

        var received = new TaskCompletionSource<string>();
        await using (await client.SubscribeAsync("chan", m => received.TrySetResult(m), CancellationToken.None))
        {
            Assert.Equal(1, await client.PublishAsync("chan", "hello", CancellationToken.None));
            Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        }
        Assert.True(await client.DeleteAsync("k", CancellationToken.None));
        Assert.Null(await client.GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task Wrong_password_is_a_clear_connection_error()
    {
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() =>
            RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, "wrong-password", 0, TimeSpan.FromSeconds(2)), CancellationToken.None));
        Assert.Equal(ErrorIds.RedisUnreachable, ex.ErrorId);
        Assert.Contains(_redis.Endpoint, ex.Message);
        Assert.DoesNotContain("wrong-password", ex.Message);
    }

    public void Dispose() => _redis.Dispose();
}
