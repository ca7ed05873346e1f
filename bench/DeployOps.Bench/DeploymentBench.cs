using System.Collections.Concurrent;
using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Traffic;

namespace DeployOps.Bench;

/// <summary>
/// Blue-green cutover under load: a private nginx in front of two demo-app slots, HttpClient load through it, and
/// (1) Invoke-Deployment blue-green runs: command start until every request answers from the new slot, and
/// (2) Switch-DeploymentTraffic alone, back and forth. Counts failed requests (non-2xx, or still failing after one
/// retry of the idempotent GET) and raw socket errors (first attempts that failed) separately.
/// Options: --deployments N (3), --switches N (10), --concurrency N (32).
/// </summary>
public static class DeploymentBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deployments = Option(args, "--deployments", 3);
        var switches = Option(args, "--switches", 10);
        var concurrency = Option(args, "--concurrency", 32);
        using var env = new BenchEnvironment();
        Console.WriteLine($"nginx {env.ProxyUrl} -> blue :{env.BluePort} / green :{env.GreenPort}; load: {concurrency} HttpClient workers");

        await using var load = new Load(env.ProxyUrl + "/api/work", concurrency);
        await Task.Delay(1000);

        var cutovers = new List<(double Total, double Switch)>();
        for (var i = 0; i < deployments; i++)
        {
            var version = $"2.0.{i}";
            var start = load.Now;
            var record = await DeploymentEngine.InvokeAsync(ConfigLoader.Load(env.ConfigPath),
                new DeploymentOptions { Version = version, Strategy = DeploymentStrategy.BlueGreen }, NullSink.Reporting, CancellationToken.None);
            if (record?.Outcome != DeploymentOutcome.Succeeded) throw new InvalidOperationException($"deployment failed: {record?.Error}");
            var allNew = await load.AllAnswerFromAsync(version, start);
            var switchPhase = record.Phases.Single(p => p.Name.StartsWith("traffic:", StringComparison.Ordinal)).Duration!.Value.TotalSeconds;
            cutovers.Add((allNew, switchPhase));
            Console.WriteLine($"Invoke-Deployment {version}: command start -> 100% on new slot {allNew:0.000}s (traffic phase {switchPhase * 1000:0} ms, deployment {record.Duration!.Value.TotalSeconds:0.00}s)");
        }

        var config = ConfigLoader.Load(env.ConfigPath);
        var router = TrafficSwitcher.CreateRouter(config);
        var switchTimes = new List<double>();
        for (var i = 0; i < switches; i++)
        {
            var current = TrafficSwitcher.ActiveSlot(await router.ReadCurrentAsync(CancellationToken.None))!;
            var to = current == "blue" ? "green" : "blue";
            var toVersion = await env.VersionOfAsync(to);
            var start = load.Now;
            await TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = to }, NullSink.ErrorsOnly, CancellationToken.None);
            switchTimes.Add(await load.AllAnswerFromAsync(toVersion, start));
        }
        Console.WriteLine($"Switch-DeploymentTraffic x{switches}: command start -> 100% on new slot median {Median(switchTimes) * 1000:0} ms, max {switchTimes.Max() * 1000:0} ms");

        await load.StopAsync();
        Console.WriteLine($"Invoke-Deployment cutover: median {Median(cutovers.Select(c => c.Total).ToList()):0.000}s, traffic phase median {Median(cutovers.Select(c => c.Switch).ToList()) * 1000:0} ms");
        Console.WriteLine($"Requests {load.Requests}, failed {load.Failed} ({string.Join("; ", load.FailureSamples.Take(3))}), raw socket errors {load.RawErrors}");
        return load.Failed == 0 ? 0 : 1;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    /// <summary>Concurrent GETs through nginx; every answer is kept with its completion time.</summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(10) };
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Task[] _workers;
        private readonly ConcurrentQueue<(double Started, double Done, string Version)> _answers = new();
        private int _failed;
        private int _raw;

        public Load(string url, int concurrency) =>
            _workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(url))).ToArray();

        public double Now => _clock.Elapsed.TotalSeconds;
        public int Requests => _answers.Count + _failed;
        public int Failed => _failed;
        public int RawErrors => _raw;
        public ConcurrentQueue<string> FailureSamples { get; } = new();

        private async Task WorkAsync(string url)
        {
            while (!_stop.IsCancellationRequested)
            {
                var started = Now;
                for (var attempt = 0; attempt < 2; attempt++)
                {
                    try
                    {
                        using var response = await _http.GetAsync(url, _stop.Token);
                        if (response.IsSuccessStatusCode && response.Headers.TryGetValues("X-App-Version", out var v))
                            _answers.Enqueue((started, Now, string.Join(",", v)));
                        else
                        {
                            Interlocked.Increment(ref _failed);
                            FailureSamples.Enqueue($"HTTP {(int)response.StatusCode}");
                        }
                        break;
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        if (attempt == 0) Interlocked.Increment(ref _raw);
                        else
                        {
                            Interlocked.Increment(ref _failed);
                            FailureSamples.Enqueue(ex.Message);
                        }
                    }
                }
            }
        }

        /// <summary>Seconds from <paramref name="start"/> until the last answer from another version completed.</summary>
        public async Task<double> AllAnswerFromAsync(string version, double start)
        {
            // Let a little more traffic flow so late old answers would show up.
            await Task.Delay(300);
            var last = _answers.Where(a => a.Started >= start && a.Version != version).Select(a => a.Done).DefaultIfEmpty(start).Max();
            var firstNew = _answers.Where(a => a.Started >= start && a.Version == version).Select(a => a.Done).DefaultIfEmpty(start).Min();
            return Math.Max(last, firstNew) - start;
        }

        public async Task StopAsync()
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            try { await Task.WhenAll(_workers); } catch (OperationCanceledException) { }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _http.Dispose();
        }
    }

    /// <summary>Private nginx + two slots started by the same kind of pid-file script the runbooks use.</summary>
    private sealed class BenchEnvironment : IDisposable
    {
        private readonly NginxFixture _nginx;

        public BenchEnvironment()
        {
            Directory = ExternalProcess.TempDirectory("bench");
            BluePort = FreePort.Next();
            GreenPort = FreePort.Next();
            ProxyPort = FreePort.Next();
            _nginx = new NginxFixture();
            _nginx.WriteConf("site.conf", $$"""
                server {
                    listen 127.0.0.1:{{ProxyPort}};
                    location / { proxy_pass http://app; proxy_next_upstream error timeout http_502; }
                }
                """);
            var upstream = Path.Combine(_nginx.ConfDirectory, "app-upstream.conf");
            var dll = Path.Combine(AppContext.BaseDirectory, "DemoApp.dll");
            File.WriteAllText(Path.Combine(Directory, "app.sh"), $$"""
                #!/bin/bash
                dir="$(cd "$(dirname "$0")" && pwd)"
                name="$2"
                case "$1" in
                  start) DEMO_VERSION="$4" DEMO_INSTANCE="$name" nohup dotnet "{{dll}}" --urls "http://127.0.0.1:$3" > "$dir/$name.out" 2>&1 < /dev/null &
                         echo $! > "$dir/$name.pid" ;;
                  stop) if [ -f "$dir/$name.pid" ]; then pid="$(cat "$dir/$name.pid")"; kill "$pid" 2>/dev/null || true
                          for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done; rm -f "$dir/$name.pid"; fi ;;
                esac
                """);
            ConfigPath = Path.Combine(Directory, "deployops.yaml");
            File.WriteAllText(ConfigPath, $"""
                application: bench
                environment: local
                deployment:
                  slots:
                    blue: {"{"} host: 127.0.0.1, port: {BluePort} {"}"}
                    green: {"{"} host: 127.0.0.1, port: {GreenPort} {"}"}
                  traffic:
                    upstreamFile: {upstream}
                    upstreamName: app
                    nginx: {_nginx.Binary}
                    nginxArguments: "{_nginx.Arguments}"
                    probeUrl: http://127.0.0.1:{ProxyPort}/version
                  readiness: {"{"} timeout: 30s, interval: 100ms {"}"}
                  steps:
                    stop: [ {"{"} name: stop, command: "bash ./app.sh stop {"{slot}"}" {"}"} ]
                    start: [ {"{"} name: start, command: "bash ./app.sh start {"{slot}"} {"{port}"} {"{version}"}" {"}"} ]
                    smoke: [ {"{"} name: api, http: "http://{"{host}"}:{"{port}"}/api/smoke" {"}"} ]
                """);
            ExternalProcess.Run("/bin/bash", $"{Path.Combine(Directory, "app.sh")} start blue {BluePort} 1.0.0");
            ExternalProcess.WaitForPort(BluePort, TimeSpan.FromSeconds(30));
            var config = ConfigLoader.Load(ConfigPath);
            ((NginxRouter)TrafficSwitcher.CreateRouter(config)).WriteInitial(TrafficSwitcher.AllTo(config.Deployment.Slots, "blue"));
            _nginx.Start(ProxyPort);
        }

        public string Directory { get; }
        public string ConfigPath { get; }
        public int BluePort { get; }
        public int GreenPort { get; }
        public int ProxyPort { get; }
        public string ProxyUrl => $"http://127.0.0.1:{ProxyPort}";

        public async Task<string> VersionOfAsync(string slot)
        {
            using var http = new HttpClient();
            using var response = await http.GetAsync($"http://127.0.0.1:{(slot == "blue" ? BluePort : GreenPort)}/version");
            return string.Join(",", response.Headers.GetValues("X-App-Version"));
        }

        public void Dispose()
        {
            foreach (var pidFile in System.IO.Directory.GetFiles(Directory, "*.pid"))
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) ExternalProcess.Kill(pid, 9);
            _nginx.Dispose();
            try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
        }
    }
}
