using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using Xunit.Abstractions;

namespace DeployOps.Engine.Tests.Clients;

/// <summary>
/// Redis failures in words an admin can act on — which host:port, refused, authentication, no answer within N ms —
/// against a real redis-server (and a socket that never answers), never the client library's option names.
/// </summary>
public sealed class RedisErrorsTests : IDisposable
{
    private readonly RedisFixture _redis = new("fixture-redis-pw-errors");
    private readonly ITestOutputHelper _output;

    public RedisErrorsTests(ITestOutputHelper output) => _output = output;

    private async Task<DeployOpsException> ConnectFailsAsync(string endpoint, string? password, TimeSpan timeout)
    {
        var ex = await Assert.ThrowsAsync<DeployOpsException>(() =>
            RedisClient.ConnectAsync(new RedisSettings(endpoint, password, 0, timeout), CancellationToken.None));
        Assert.Equal(ErrorIds.RedisUnreachable, ex.ErrorId);
        _output.WriteLine(ex.Message);
        Assert.Contains(endpoint, ex.Message);
        AssertNoClientJargon(ex.Message);
        return ex;
    }

    private void AssertNoClientJargon(string message)
    {
        _output.WriteLine(message);
        foreach (var jargon in new[] { "AbortOnConnectFail", "multiplexer", "SyncTimeout", "ConnectTimeout =" })
            Assert.DoesNotContain(jargon, message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Nothing_listening_is_named_as_refused_or_unreachable()
    {
        var port = FreePort.Next();
        var ex = await ConnectFailsAsync($"127.0.0.1:{port}", null, TimeSpan.FromSeconds(1));
        Assert.Matches("connection refused|unreachable", ex.Message);
    }

    [Fact]
    public async Task A_wrong_password_is_authentication_failed()
    {
        var ex = await ConnectFailsAsync(_redis.Endpoint, "wrong-password-xyz", TimeSpan.FromSeconds(3));
        Assert.Contains("authentication failed", ex.Message);
        Assert.DoesNotContain("wrong-password-xyz", ex.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_timeout_in_milliseconds()
    {
        using var silent = new HangingHttpServer();
        var ex = await ConnectFailsAsync($"127.0.0.1:{silent.Port}", null, TimeSpan.FromMilliseconds(700));
        Assert.Contains("700 ms", ex.Message);
    }

    [Fact]
    public async Task A_missing_password_says_the_server_requires_one()
    {
        DeployOpsException ex;
        try
        {
            // redis-server lets the connection in and refuses the first command (NOAUTH).
            await using var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, null, 0, TimeSpan.FromSeconds(3)), CancellationToken.None);
            ex = await Assert.ThrowsAsync<DeployOpsException>(() => client.GetAsync("k", CancellationToken.None));
        }
        catch (DeployOpsException connect)
        {
            ex = connect;
        }
        Assert.Equal(ErrorIds.RedisUnreachable, ex.ErrorId);
        Assert.Contains(_redis.Endpoint, ex.Message);
        Assert.Contains("requires a password and none was sent", ex.Message);
        AssertNoClientJargon(ex.Message);
    }

    [Fact]
    public async Task A_server_that_goes_away_after_connecting_is_named_with_its_endpoint()
    {
        await using var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, _redis.Password, 0, TimeSpan.FromSeconds(1)), CancellationToken.None);
        await client.PingAsync(CancellationToken.None);
        _redis.Stop();

        var ex = await Assert.ThrowsAsync<DeployOpsException>(() => client.PingAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.RedisUnreachable, ex.ErrorId);
        Assert.StartsWith($"PING to Redis at {_redis.Endpoint}: ", ex.Message);
        AssertNoClientJargon(ex.Message);
    }

    public void Dispose() => _redis.Dispose();
}
