using System.Diagnostics;
using System.Net;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Maintenance;

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
        var nginxBinary = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var root = Directory.CreateTempSubdirectory("deployops-bench-maint-").FullName;
        try
        {
            var appPort = MaintenanceBenchProcess.FreePort();
            var proxyPort = MaintenanceBenchProcess.FreePort();
            using var app = MaintenanceBenchProcess.Start("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "DemoApp.dll")}\" --urls http://127.0.0.1:{appPort}");
            MaintenanceBenchProcess.WaitForPort(appPort);

            var include = Path.Combine(root, "maintenance.conf");
            File.WriteAllText(include, "");
            foreach (var d in new[] { "tmp", "logs" }) Directory.CreateDirectory(Path.Combine(root, d));
            var conf = Path.Combine(root, "nginx.conf");
            File.WriteAllText(conf, $$"""
                {{(Environment.UserName == "root" ? "user root root;" : "")}}
                worker_processes 1;
                daemon off;
                pid {{root}}/nginx.pid;
                error_log {{root}}/logs/error.log warn;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path {{root}}/tmp/body;
                    proxy_temp_path {{root}}/tmp/proxy;
                    fastcgi_temp_path {{root}}/tmp/fastcgi;
                    uwsgi_temp_path {{root}}/tmp/uwsgi;
                    scgi_temp_path {{root}}/tmp/scgi;
                    server {
                        listen 127.0.0.1:{{proxyPort}};
                        include {{include}};
                        location / { proxy_pass http://127.0.0.1:{{appPort}}; }
                    }
                }
                """);
            using var nginx = MaintenanceBenchProcess.Start(nginxBinary, $"-p {root}/ -c {conf}");
            MaintenanceBenchProcess.WaitForPort(proxyPort);

            var yaml = Path.Combine(root, "deployops.yaml");
            File.WriteAllText(yaml, $"""
                application: bench
                environment: local
                maintenance:
                  nginx:
                    includeFile: {include}
                    binary: {nginxBinary}
                    arguments: "-p {root}/ -c {conf}"
                """);
            var config = ConfigLoader.Load(yaml);
            var sink = new SilentSink();
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
            Console.WriteLine($"  ExitAsync returned     median {Median(exitCalls):0.0} ms  min {exitCalls.Min():0.0} ms  max {exitCalls.Max():0.0} ms");
            Console.WriteLine($"  app served via nginx   median {Median(serving):0.0} ms  min {serving.Min():0.0} ms  max {serving.Max():0.0} ms");
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

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed class SilentSink : IOutputSink
    {
        public void WriteRecord(object record) { }
        public void WriteProgress(ProgressUpdate progress) { }
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) => Console.Error.WriteLine("WARNING: " + message);
        public void WriteError(DeployOpsError error) => Console.Error.WriteLine("ERROR: " + error);
        public bool ShouldProcess(string target, string action) => true;
    }
}
