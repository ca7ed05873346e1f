using System.Diagnostics;
using System.Net;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Maintenance;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Bench;

/// <summary>
/// Time from calling Exit-MaintenanceMode (the engine's ExitAsync) until nginx serves the application again:
/// a real nginx (private prefix) proxies to the real demo app; each round enters maintenance, waits for the
/// maintenance page, then exits and polls the proxy every millisecond until the app answers 200.
/// </summary>
internal static class MaintenanceBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 10;
        var root = Directory.CreateTempSubdirectory("deployops-bench-maint-").FullName;
        try
        {
            using var app = new DemoAppProcess();
            using var nginx = new NginxFixture();
            var proxyPort = FreePort.Next();
            // Outside conf.d: the fixture's http block includes conf.d/*.conf, this belongs in the server block.
            var include = Path.Combine(nginx.Prefix, "maintenance.conf");
            File.WriteAllText(include, "");
            nginx.WriteConf("site.conf", $$"""
                server {
                    listen 127.0.0.1:{{proxyPort}};
                    include {{include}};
                    location / { proxy_pass http://127.0.0.1:{{app.Port}}; }
                }
                """);
            nginx.Start(proxyPort);

            var yaml = Path.Combine(root, "deployops.yaml");
            File.WriteAllText(yaml, $"""
                application: bench
                environment: local
                maintenance:
                  nginx:
                    includeFile: {include}
                    binary: {nginx.Binary}
                    arguments: "{nginx.Arguments}"
                """);
            var config = ConfigLoader.Load(yaml);
            var sink = NullSink.Reporting;
            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
            var url = $"http://127.0.0.1:{proxyPort}/api/orders";

            var exitCalls = new List<double>();
            var serving = new List<double>();
            for (var i = 0; i < rounds + 1; i++)
            {
                await MaintenanceMode.EnterAsync(config, new EnterMaintenanceOptions { Reason = "bench" }, sink, default);
                await WaitForStatusAsync(http, url, HttpStatusCode.ServiceUnavailable);

                var clock = Stopwatch.StartNew();
                await MaintenanceMode.ExitAsync(config, new ExitMaintenanceOptions(), sink, default);
                var exitReturned = clock.Elapsed.TotalMilliseconds;
                await WaitForStatusAsync(http, url, HttpStatusCode.OK);
                var servingAgain = clock.Elapsed.TotalMilliseconds;
                if (i == 0) continue; // warm-up round (JIT, first connections)
                exitCalls.Add(exitReturned);
                serving.Add(servingAgain);
            }

            Console.WriteLine($"maintenance: Exit-MaintenanceMode -> nginx serving the app again ({rounds} rounds, nginx -t + reload, real proxy and demo app)");
            Console.WriteLine($"  ExitAsync returned     median {BenchStats.Median(exitCalls):0.0} ms  min {exitCalls.Min():0.0} ms  max {exitCalls.Max():0.0} ms");
            Console.WriteLine($"  app served via nginx   median {BenchStats.Median(serving):0.0} ms  min {serving.Min():0.0} ms  max {serving.Max():0.0} ms");
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    private static async Task WaitForStatusAsync(HttpClient http, string url, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using (var response = await http.GetAsync(url))
                if (response.StatusCode == wanted) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{url} never answered {(int)wanted}");
            await Task.Delay(1);
        }
    }
}
