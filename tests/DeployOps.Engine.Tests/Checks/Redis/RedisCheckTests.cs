using DeployOps.Engine.Checks;
using DeployOps.Engine.Clients;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Engine.Tests.Checks.Redis;

public sealed class RedisCheckTests : IDisposable
{
    private const string Password = "fixture-redis-check-pw-31";
    private readonly RedisFixture _redis = new(Password);

    private static Dictionary<string, string> Env(string password) => new() { ["REDIS_PW"] = password };

    private string Yaml(string check = "") => $$"""
        redis:
          endpoint: {{_redis.Endpoint}}
          password: ${env:REDIS_PW}
          database: 3
        checks:
          - name: cache
            kind: redis
        {{check}}
        """;

    [Fact]
    public async Task Passes_with_password_and_reads_the_configured_database_and_info_fields()
    {
        await using (var client = await RedisClient.ConnectAsync(new RedisSettings(_redis.Endpoint, Password, 3, TimeSpan.FromSeconds(3)), CancellationToken.None))
            await client.SetAsync("deployops:probe", "1", null, CancellationToken.None);

        var (result, _, _) = await OneCheck.RunAsync(Yaml("""
                warnLatency: 5s
                maxMemory: 1GB
                info: [redis_version, used_memory_human]
            """), Env(Password));

        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Equal("Cache", result.Category);
        Assert.Equal($"{_redis.Endpoint}/3", result.Target);
        Assert.Equal(3, result.Data["database"]);
        Assert.Equal(1L, result.Data["keys"]);
        Assert.IsType<double>(result.Data["latencyMs"]);
        Assert.Matches(@"^\d+\.\d+\.\d+", (string)result.Data["redis_version"]!);
        Assert.True(result.Data.ContainsKey("used_memory_human"));
        Assert.Contains("PING answered in", result.Message);

        // The check's own database key overrides the top-level one: database 0 holds no keys.
        var (db0, _, _) = await OneCheck.RunAsync(Yaml("    warnLatency: 5s\n    database: 0"), Env(Password));
        Assert.Equal(CheckStatus.Passed, db0.Status);
        Assert.Equal(0L, db0.Data["keys"]);
        Assert.Equal($"{_redis.Endpoint}/0", db0.Target);
    }

    [Fact]
    public async Task Wrong_password_fails_as_authentication_failed_without_showing_it()
    {
        const string wrong = "not-the-redis-password-55";
        var (result, _, sink) = await OneCheck.RunAsync(Yaml(), Env(wrong));

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("authentication failed", result.Message);
        Assert.Contains(_redis.Endpoint, result.Message);
        Assert.DoesNotContain(wrong, sink.AllText());
    }

    [Fact]
    public async Task Stopped_redis_fails_naming_the_endpoint()
    {
        _redis.Stop();
        var (result, _, _) = await OneCheck.RunAsync(Yaml(), Env(Password));

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.StartsWith($"Cannot connect to Redis at {_redis.Endpoint}", result.Message);
        Assert.Contains("connection refused", result.Message);
    }

    [Fact]
    public async Task Memory_above_maxMemory_fails_and_slow_ping_or_missing_info_fields_warn()
    {
        var (tooBig, _, _) = await OneCheck.RunAsync(Yaml("    warnLatency: 5s\n    maxMemory: 1KB"), Env(Password));
        Assert.Equal(CheckStatus.Failed, tooBig.Status);
        Assert.Contains("is above the limit of 1 KB", tooBig.Message);
        Assert.True((long)tooBig.Data["usedMemoryBytes"]! > 1000);

        var (slow, _, _) = await OneCheck.RunAsync(Yaml("    warnLatency: 0.001ms"), Env(Password));
        Assert.Equal(CheckStatus.Warning, slow.Status);
        Assert.Contains("(above 0ms)", slow.Message);

        var (missing, _, _) = await OneCheck.RunAsync(Yaml("    warnLatency: 5s\n    info: [no_such_field]"), Env(Password));
        Assert.Equal(CheckStatus.Warning, missing.Status);
        Assert.Contains("INFO has no field(s) no_such_field", missing.Message);
    }

    [Fact]
    public async Task Own_endpoint_without_a_password_fails_on_a_protected_server()
    {
        var (result, _, _) = await OneCheck.RunAsync($$"""
            checks:
              - name: cache
                kind: redis
                endpoint: {{_redis.Endpoint}}
            """);
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains(_redis.Endpoint, result.Message);
    }

    [Fact]
    public void Literal_passwords_and_a_missing_server_are_configuration_errors()
    {
        var errors = OneCheck.Validate("""
            checks:
              - name: a
                kind: redis
                endpoint: 127.0.0.1:6379
                password: literal-secret
              - name: b
                kind: redis
            """);
        Assert.Contains(errors, e => e.Path == "checks[0].password" && e.Message.Contains("reference"));
        Assert.Contains(errors, e => e.Path == "checks[1]" && e.Message.Contains("top-level 'redis:'"));
    }

    [Fact]
    public void Keyspace_lines_parse_to_key_counts()
    {
        var info = new Dictionary<string, string> { ["db0"] = "keys=12,expires=1,avg_ttl=0", ["db4"] = "keys=3,expires=0" };
        Assert.Equal(12, Engine.Checks.Redis.RedisCheck.KeysIn(info, 0));
        Assert.Equal(3, Engine.Checks.Redis.RedisCheck.KeysIn(info, 4));
        Assert.Equal(0, Engine.Checks.Redis.RedisCheck.KeysIn(info, 1));
    }

    public void Dispose() => _redis.Dispose();
}
