using System.Diagnostics;
using DeployOps.Engine.Checks;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Bench;

/// <summary>
/// Wall time of a 13-check suite against live local services (PostgreSQL, Redis, the demo app, files, processes)
/// next to its slowest single check, and the same suite with one hanging endpoint added.
/// </summary>
internal static class PreDeploymentBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 5;
        using var postgres = new PostgresFixture();
        using var redis = new RedisFixture("bench-redis-password");
        using var app = new DemoAppProcess("1.0.0");
        using var hanging = new HangingHttpServer();
        var database = postgres.CreateDatabase();
        postgres.Execute(database, "CREATE TABLE schema_migrations (version text primary key); INSERT INTO schema_migrations VALUES ('0001')");
        var dir = Directory.CreateTempSubdirectory("deployops-bench-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "migrations"));
        File.WriteAllText(Path.Combine(dir, "migrations", "0001.sql"), "select 1;");
        File.WriteAllText(Path.Combine(dir, "app.yaml"), "debug: false\n");
        Environment.SetEnvironmentVariable("BENCH_SECRET_KEY", Convert.ToHexString(Guid.NewGuid().ToByteArray()) + Convert.ToHexString(Guid.NewGuid().ToByteArray()));
        var env = new Dictionary<string, string> { ["PGPW"] = PostgresFixture.Password, ["RPW"] = redis.Password! };

        string Suite(bool withHang) => $$"""
            application: bench
            environment: bench
            postgres:
              url: postgres://{{PostgresFixture.User}}@127.0.0.1:{{postgres.Port}}/{{database}}
              password: ${env:PGPW}
            redis:
              endpoint: {{redis.Endpoint}}
              password: ${env:RPW}
            endpoints:
              app: {{app.BaseUrl}}
            checks:
              - { name: database, kind: postgres }
              - { name: migrations, kind: migrations, directory: migrations }
              - { name: cache, kind: redis }
              - { name: health, kind: http, endpoint: app, path: /health, jsonPath: status, equals: ok }
              - { name: version, kind: http, endpoint: app, path: /version, jsonPath: version, equals: 1.0.0 }
              - { name: api, kind: http, endpoint: app, path: /api/ping }
              - { name: app-port, kind: tcp, address: "127.0.0.1:{{app.Port}}" }
              - { name: disk, kind: disk, minFree: 1MB }
              - { name: memory, kind: memory, minAvailable: 1MB }
              - { name: secret-key, kind: secrets, variables: [BENCH_SECRET_KEY], minLength: 50 }
              - { name: app-config, kind: config-review, file: app.yaml, rules: [{ key: debug, equals: false }] }
              - { name: unit-tests, kind: command, command: "sleep 0.2; echo ok" }
              - { name: pg-port, kind: tcp, address: "127.0.0.1:{{postgres.Port}}" }
            {{(withHang ? $"  - {{ name: hung, kind: http, url: \"{hanging.BaseUrl}/x\", timeout: 2s }}" : "")}}
            """;

        foreach (var withHang in new[] { false, true })
        {
            var path = Path.Combine(dir, withHang ? "hang.yaml" : "deployops.yaml");
            File.WriteAllText(path, Suite(withHang));
            var config = ConfigLoader.Load(path, env.GetValueOrDefault);
            await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), NullSink.Instance, CancellationToken.None); // warm-up
            var walls = new List<double>();
            var slowest = new List<(string Name, double Ms)>();
            var sums = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                var clock = Stopwatch.StartNew();
                var report = await PreDeploymentRunner.RunAsync(config, new PreDeploymentOptions(), NullSink.Instance, CancellationToken.None);
                walls.Add(clock.Elapsed.TotalMilliseconds);
                var top = report.Results.MaxBy(r => r.Duration)!;
                slowest.Add((top.Name, top.Duration.TotalMilliseconds));
                sums.Add(report.Results.Sum(r => r.Duration.TotalMilliseconds));
                var failed = report.Results.Where(r => r.Status == CheckStatus.Failed && r.Name != "hung").ToList();
                if (failed.Count > 0) Console.WriteLine("  unexpected failures: " + string.Join("; ", failed.Select(f => $"{f.Name}: {f.Message}")));
            }
            Console.WriteLine($"prechecks {(withHang ? "14 checks incl. one hanging endpoint (2s timeout)" : "13 checks against live services")}, {rounds} rounds:");
            Console.WriteLine($"  suite wall time   median {BenchStats.Median(walls):0} ms  (min {walls.Min():0}, max {walls.Max():0})");
            Console.WriteLine($"  slowest check     median {BenchStats.Median(slowest.Select(s => s.Ms)):0} ms  ({string.Join(", ", slowest.Select(s => s.Name).Distinct())})");
            Console.WriteLine($"  sum of all checks median {BenchStats.Median(sums):0} ms  (what running them one by one would cost)");
        }
        Directory.Delete(dir, true);
        return 0;
    }
}
