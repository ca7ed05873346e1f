using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Checks;

/// <summary>A whole checklist of every kind against live local services, run as Test-PreDeployment runs it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SuiteTests : IDisposable
{
    private const string Secret = "suite-planted-secret-value-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c";
    private static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(2);

    private readonly PostgresFixture _postgres;
    private readonly RedisFixture _redis = new("suite-redis-password-31");
    private readonly HangingHttpServer _hanging = new();
    private readonly LoopbackHttpServer _web = new LoopbackHttpServer().Route("/health", 200, "{\"status\":\"ok\"}");
    private readonly DemoAppProcess _app = new("3.0.0");

    public SuiteTests(PostgresFixture postgres) => _postgres = postgres;

    [Fact]
    public async Task Fourteen_checks_with_three_hanging_endpoints_run_concurrently_and_cost_one_timeout()
    {
        var database = _postgres.CreateDatabase();
        _postgres.Execute(database, "CREATE TABLE schema_migrations (version text primary key); INSERT INTO schema_migrations VALUES ('0001')");
        using var cfg = new TempConfig($"""
            application: shop
            environment: test
            postgres:
              url: postgres://{PostgresFixture.User}@127.0.0.1:{_postgres.Port}/{database}
              password: ${"{"}env:SUITE_PG_PASSWORD{"}"}
            redis:
              endpoint: {_redis.Endpoint}
              password: ${"{"}env:SUITE_REDIS_PASSWORD{"}"}
            endpoints:
              app: {_app.BaseUrl}
              hang: {_hanging.BaseUrl}
            # The suite is about concurrency and hangs, not latency: a loaded test host must not turn these into warnings.
            checks:
              - {"{"} name: database, kind: postgres, warnLatency: 10s {"}"}
              - {"{"} name: migrations, kind: migrations, directory: migrations {"}"}
              - {"{"} name: cache, kind: redis, warnLatency: 10s {"}"}
              - {"{"} name: app-health, kind: http, endpoint: app, path: /health, jsonPath: status, equals: ok {"}"}
              - {"{"} name: web-health, kind: http, url: "{_web.BaseUrl}/health" {"}"}
              - {"{"} name: hung-1, kind: http, endpoint: hang, path: /a, timeout: 2s {"}"}
              - {"{"} name: hung-2, kind: http, endpoint: hang, path: /b, timeout: 2s {"}"}
              - {"{"} name: hung-3, kind: http, endpoint: hang, path: /c, timeout: 2s {"}"}
              - {"{"} name: app-port, kind: tcp, address: "127.0.0.1:{_app.Port}" {"}"}
              - {"{"} name: disk, kind: disk, minFree: 1MB {"}"}
              - {"{"} name: memory, kind: memory, minAvailable: 1MB {"}"}
              - {"{"} name: secret-key, kind: secrets, variables: [SUITE_SECRET_KEY], minLength: 50 {"}"}
              - {"{"} name: app-config, kind: config-review, file: app.yaml, rules: [{"{"} key: debug, equals: false {"}"}] {"}"}
              - {"{"} name: unit-tests, kind: command, command: "echo tests ok; echo $SUITE_SECRET_KEY" {"}"}
            """);
        Directory.CreateDirectory(Path.Combine(cfg.Directory, "migrations"));
        File.WriteAllText(Path.Combine(cfg.Directory, "migrations", "0001.sql"), "select 1;");
        File.WriteAllText(Path.Combine(cfg.Directory, "app.yaml"), "debug: false\n");
        var env = new Dictionary<string, string>
        {
            ["SUITE_PG_PASSWORD"] = PostgresFixture.Password,
            ["SUITE_REDIS_PASSWORD"] = _redis.Password!,
            ["SUITE_SECRET_KEY"] = Secret,
        };
        Environment.SetEnvironmentVariable("SUITE_SECRET_KEY", Secret); // the secrets and command checks read the process environment
        var config = ConfigLoader.Load(cfg.Path, env.GetValueOrDefault);
        var sink = new RecordingSink();

        var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), sink, CancellationToken.None);

        Assert.Equal(14, report.Results.Count);
        Assert.Equal(14, sink.RecordsOf<CheckResult>().Count());
        var hung = report.Results.Where(r => r.Name.StartsWith("hung-", StringComparison.Ordinal)).ToList();
        Assert.All(hung, r => Assert.Equal(CheckStatus.Failed, r.Status));
        Assert.All(hung, r => Assert.Equal("timed out after 2s", r.Message));
        var others = report.Results.Except(hung).ToList();
        Assert.All(others, r => Assert.True(r.Status == CheckStatus.Passed, $"{r.Name}: {r.Status} {r.Message}"));
        // Results arrive as they complete: every fast check before the hung ones.
        var arrivalOrder = string.Join(", ", report.Results.Select(r => $"{r.Name} {r.Status}"));
        Assert.True(report.Results.Take(11).All(r => !r.Name.StartsWith("hung-", StringComparison.Ordinal)), $"arrival order: {arrivalOrder}");

        // Concurrency, shown by order rather than speed: all three hung requests were in flight before the first
        // one's timeout could have fired, so the suite costs one hang timeout, not three.
        var arrivals = _hanging.Arrivals.OrderBy(t => t).ToList();
        Assert.Equal(3, arrivals.Count);
        Assert.True(arrivals[^1] - arrivals[0] < HangTimeout, "the hung checks waited for each other");
        Assert.True(report.Duration < HangTimeout * 3, $"suite took {report.Duration}, as long as the hangs in sequence");

        // Blocking results name the failures, and the secret is nowhere.
        var error = report.ToError()!;
        Assert.Equal(ErrorIds.PreDeploymentCheckFailed, error.ErrorId);
        Assert.Contains("hung-1", error.Message);
        Assert.DoesNotContain("database", error.Message);
        var audit = File.ReadAllText(Path.Combine(cfg.Directory, ".deployops", "audit.jsonl"));
        foreach (var text in new[] { sink.AllText(), audit, string.Join("\n", report.Results.SelectMany(r => r.Data.Values).Select(v => v?.ToString())) })
        {
            Assert.DoesNotContain(Secret, text);
            Assert.DoesNotContain(PostgresFixture.Password, text);
            Assert.DoesNotContain(_redis.Password!, text);
        }
        Assert.Contains("\"outcome\":\"Failed\"", audit);
    }

    [Fact]
    public async Task Name_category_and_strict_select_and_judge_checks()
    {
        using var cfg = new TempConfig("""
            application: shop
            environment: test
            checks:
              - { name: disk-root, kind: disk, path: /, minFree: 1MB, warnFree: 1000TB }
              - { name: disk-tmp, kind: disk, path: /tmp, minFree: 1MB }
              - { name: memory, kind: memory, minAvailable: 1MB }
              - { name: off, kind: memory, minAvailable: 1000TB, enabled: false }
            """);
        var config = ConfigLoader.Load(cfg.Path);

        var byName = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions { Names = new[] { "disk-*" } }, new RecordingSink(), CancellationToken.None);
        Assert.Equal(new[] { "disk-root", "disk-tmp" }, byName.Results.Select(r => r.Name).Order());
        Assert.True(byName.Passed, "a warning passes without -Strict");

        var strict = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions { Names = new[] { "disk-*" }, Strict = true }, new RecordingSink(), CancellationToken.None);
        Assert.False(strict.Passed);
        Assert.Equal("disk-root", Assert.Single(strict.Blocking).Name);

        var byCategory = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions { Categories = new[] { "system" } }, new RecordingSink(), CancellationToken.None);
        Assert.Equal(3, byCategory.Results.Count); // the disabled check does not run unless named

        var named = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions { Names = new[] { "off" } }, new RecordingSink(), CancellationToken.None);
        Assert.Equal(CheckStatus.Failed, Assert.Single(named.Results).Status);

        var missing = await Assert.ThrowsAsync<DeployOpsException>(() =>
            PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions { Names = new[] { "nope" } }, new RecordingSink(), CancellationToken.None));
        Assert.Equal(ErrorIds.CheckNotFound, missing.ErrorId);
    }

    [Fact]
    public async Task Cancellation_stops_the_run()
    {
        using var cfg = new TempConfig($"""
            application: shop
            environment: test
            checks:
              - {"{"} name: hung, kind: http, url: "{_hanging.BaseUrl}/x", timeout: 30s {"}"}
            """);
        var config = ConfigLoader.Load(cfg.Path);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), new RecordingSink(), cancel.Token));
    }

    public void Dispose()
    {
        _app.Dispose();
        _web.Dispose();
        _hanging.Dispose();
        _redis.Dispose();
    }
}
