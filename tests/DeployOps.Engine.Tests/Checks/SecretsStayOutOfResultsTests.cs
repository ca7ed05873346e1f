using System.Collections;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks;

/// <summary>Planted passwords never reach a result (target, message, data) or the audit log, whether right or wrong.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SecretsStayOutOfResultsTests : IDisposable
{
    private const string RedisPassword = "planted-redis-secret-8812";
    private const string WrongPassword = "planted-wrong-secret-4471";
    private readonly PostgresFixture _pg;
    private readonly RedisFixture _redis = new(RedisPassword);

    public SecretsStayOutOfResultsTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public async Task No_database_or_cache_password_appears_in_results_or_audit_lines()
    {
        var db = _pg.CreateDatabase();
        using var cfg = new TempConfig(OneCheck.Header + $$"""
            postgres:
              url: postgres://{{PostgresFixture.User}}:${env:PG_PW}@127.0.0.1:{{_pg.Port}}/{{db}}
            redis:
              endpoint: {{_redis.Endpoint}}
              password: ${env:REDIS_PW}
            checks:
              - name: db
                kind: postgres
              - name: db-wrong
                kind: postgres
                connectionString: Host=127.0.0.1;Port={{_pg.Port}};Database={{db}};Username={{PostgresFixture.User}};Password=${env:WRONG_PW}
              - name: migrations
                kind: migrations
              - name: cache
                kind: redis
              - name: cache-wrong
                kind: redis
                password: ${env:WRONG_PW}
            """);
        var env = new Dictionary<string, string>
        {
            ["PG_PW"] = PostgresFixture.Password, ["REDIS_PW"] = RedisPassword, ["WRONG_PW"] = WrongPassword,
        };
        var config = ConfigLoader.Load(cfg.Path, n => env.GetValueOrDefault(n));
        var sink = new RecordingSink();
        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), sink, CancellationToken.None);

        Assert.Equal(5, report.Results.Count);
        Assert.Equal(CheckStatus.Failed, report.Results.Single(r => r.Name == "db-wrong").Status);
        Assert.Equal(CheckStatus.Failed, report.Results.Single(r => r.Name == "cache-wrong").Status);
        var everything = string.Join("\n", report.Results.Select(r => $"{r.Target} {r.Message} {Flatten(r.Data)}"))
            + sink.AllText() + File.ReadAllText(Path.Combine(config.State.Directory, Audit.AuditLog.FileName));
        foreach (var secret in new[] { PostgresFixture.Password, RedisPassword, WrongPassword })
            Assert.DoesNotContain(secret, everything);
    }

    private static string Flatten(object? value) => value switch
    {
        null => "",
        string s => s,
        IDictionary d => string.Join(" ", d.Keys.Cast<object>().Select(k => $"{k}={Flatten(d[k])}")),
        IEnumerable e => string.Join(" ", e.Cast<object?>().Select(Flatten)),
        _ => value.ToString() ?? "",
    };

    public void Dispose() => _redis.Dispose();
}
