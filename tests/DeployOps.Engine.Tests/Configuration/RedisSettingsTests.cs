using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Configuration;

/// <summary><c>redis:</c> ACL user and TLS keys: what they mean, and located errors for contradictions.</summary>
public sealed class RedisSettingsTests
{
    private static readonly Dictionary<string, string> Env = new() { ["REDIS_PW"] = "redis-acl-secret-9" };

    private static (ConfigModel? Config, IReadOnlyList<ConfigError> Errors) Read(TempConfig cfg)
    {
        var errors = ConfigLoader.Validate(cfg.Path, n => Env.GetValueOrDefault(n));
        return (errors.Count == 0 ? ConfigLoader.Load(cfg.Path, n => Env.GetValueOrDefault(n)) : null, errors);
    }

    private static TempConfig Redis(string body) => new("application: a\nenvironment: b\nredis:\n" + body);

    [Fact]
    public void Rediss_url_with_user_turns_on_verified_tls_and_shows_no_password()
    {
        using var cfg = Redis("  endpoint: rediss://cache.internal:6380\n  user: deployops\n  password: ${env:REDIS_PW}\n  database: 2\n");
        var (config, errors) = Read(cfg);
        Assert.Empty(errors);
        var redis = config!.Redis!;
        Assert.Equal("cache.internal:6380", redis.Endpoint);
        Assert.Equal("deployops", redis.User);
        Assert.NotNull(redis.Tls);
        Assert.False(redis.Tls!.Insecure);
        Assert.Null(redis.Tls.CaFile);
        Assert.Equal("rediss://deployops@cache.internal:6380/2", redis.ToString());
        Assert.DoesNotContain("redis-acl-secret-9", config.Redactor.Redact(redis.ToString() + " redis-acl-secret-9"));
    }

    [Fact]
    public void Tls_true_with_a_relative_ca_file_resolves_it_next_to_the_config()
    {
        using var cfg = Redis("  endpoint: 127.0.0.1:6390\n  tls: true\n  caFile: certs/ca.pem\n");
        Directory.CreateDirectory(Path.Combine(cfg.Directory, "certs"));
        File.WriteAllText(Path.Combine(cfg.Directory, "certs", "ca.pem"), "x");
        var (config, errors) = Read(cfg);
        Assert.Empty(errors);
        Assert.Equal(Path.Combine(cfg.Directory, "certs", "ca.pem"), config!.Redis!.Tls!.CaFile);
        Assert.Equal("rediss://127.0.0.1:6390/0", config.Redis.ToString());
    }

    [Fact]
    public void Plain_endpoint_without_tls_keys_stays_plain_text()
    {
        using var cfg = Redis("  endpoint: redis://10.0.0.7\n");
        var (config, errors) = Read(cfg);
        Assert.Empty(errors);
        Assert.Equal("10.0.0.7:6379", config!.Redis!.Endpoint);
        Assert.Null(config.Redis.Tls);
    }

    [Theory]
    [InlineData("  endpoint: rediss://h:6380\n  tls: false\n", "redis.tls", 5, "contradicts the rediss://")]
    [InlineData("  endpoint: h:6380\n  caFile: ca.pem\n", "redis.caFile", 5, "needs TLS")]
    [InlineData("  endpoint: h:6380\n  tlsInsecure: true\n", "redis.tlsInsecure", 5, "needs TLS")]
    [InlineData("  tls: true\n  caFile: missing-ca.pem\n", "redis.caFile", 5, "does not exist")]
    [InlineData("  tls: true\n  caFile: /etc/hostname\n  tlsInsecure: true\n", "redis.tlsInsecure", 6, "give one or the other")]
    [InlineData("  user: deployops\n", "redis.user", 4, "needs redis.password")]
    [InlineData("  endpoint: rediss://someone@h:6380\n", "redis.endpoint", 4, "not in the url")]
    [InlineData("  endpoint: http://h:6380\n", "redis.endpoint", 4, "rediss://host:port")]
    public void Contradictions_are_located_errors(string body, string path, int line, string message)
    {
        using var cfg = Redis(body);
        var (_, errors) = Read(cfg);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Equal(line, error.Line);
        Assert.Equal(cfg.Path, error.File);
        Assert.Contains(message, error.Message);
    }
}
