using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Bench;

/// <summary>
/// Rolling update of four demo-app instances behind one central nginx, three ways in the same run: four instances on
/// four SSH hosts (network namespaces with their own sshd, the tests' fixture), four on one SSH host, four local
/// (no targets). Each variant deploys 1.0.0 (warm-up, connections and control masters), then times --runs rollouts,
/// under GET load through nginx that counts every non-2xx answer or transport error. Options: --runs N (2).
/// </summary>
public static class FleetBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 1 && args[0] == "--runs" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2;
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        using var fleet = new SshHostFixture(4);
        var failedTotal = 0L;
        foreach (var (label, hostOf) in new (string, Func<int, int?>)[]
                 {
                     ("4 instances on 4 ssh hosts", i => i),
                     ("4 instances on 1 ssh host", _ => 0),
                     ("4 local instances (no targets)", _ => null),
                 })
        {
            var (times, requests, failed) = await VariantAsync(fleet, hostOf, runs);
            failedTotal += failed;
            Console.WriteLine($"{label}: rolling update {string.Join(" / ", times.Select(t => $"{t:0.0}s"))} (median {times.Order().ElementAt(times.Count / 2):0.0}s); " +
                $"through nginx {requests} requests, {failed} failed");
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return failedTotal == 0 ? 0 : 1;
    }

    private static async Task<(List<double> Times, long Requests, long Failed)> VariantAsync(SshHostFixture fleet, Func<int, int?> hostOf, int runs)
    {
        var dir = ExternalProcess.TempDirectory("fleetbench");
        var proxyPort = FreePort.Next();
        using var nginx = new NginxFixture();
        nginx.WriteConf("site.conf", $$"""
            server {
                listen 127.0.0.1:{{proxyPort}};
                location / { proxy_pass http://app; proxy_next_upstream error timeout http_502; }
            }
            """);
        var instances = Enumerable.Range(0, 4).Select(i =>
        {
            var host = hostOf(i);
            return (Name: $"app{i + 1}", Target: host is { } h ? $"h{h + 1}" : null,
                Address: host is { } a ? fleet.Hosts[a].Address : "127.0.0.1", Port: FreePort.Next());
        }).ToList();
        var upstream = Path.Combine(nginx.ConfDirectory, "app-upstream.conf");
        var backends = string.Join(",", instances.Select(i => $$"""{"name":"{{i.Name}}","host":"{{i.Address}}","port":{{i.Port}},"weight":1}"""));
        File.WriteAllText(upstream, $"# deployops-backends: [{backends}]\nupstream app {{\n" +
            string.Concat(instances.Select(i => $"    server {i.Address}:{i.Port} weight=1;\n")) + "}\n");
        nginx.Start(proxyPort);
        var dll = Path.Combine(AppContext.BaseDirectory, "DemoApp.dll");
        var app = Path.Combine(dir, "app.sh");
        File.WriteAllText(app, $$"""
            #!/bin/bash
            dir="{{dir}}"
            case "$1" in
              start) DEMO_VERSION="$5" nohup dotnet "{{dll}}" --urls "http://$3:$4" > "$dir/$2.out" 2>&1 < /dev/null &
                     echo $! > "$dir/$2.pid" ;;
              stop) if [ -f "$dir/$2.pid" ]; then pid="$(cat "$dir/$2.pid")"; kill "$pid" 2>/dev/null
                      for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done; rm -f "$dir/$2.pid"; fi ;;
            esac
            """);
        var targets = string.Concat(Enumerable.Range(0, 4).Select(h =>
            $"  h{h + 1}: {{ address: {fleet.Hosts[h].Address}, user: root, identityFile: {fleet.ClientKey}, knownHosts: {fleet.KnownHosts} }}\n"));
        var config = Path.Combine(dir, "deployops.yaml");
        File.WriteAllText(config, $"""
            application: fleetbench
            environment: bench
            targets:
            {targets}
            deployment:
              strategy: rolling
              instances:
            {string.Concat(instances.Select(i => $"    - {{ name: {i.Name}, host: {i.Address}, port: {i.Port}{(i.Target is null ? "" : $", target: {i.Target}")} }}\n"))}
              rolling: {"{"} maxUnavailable: 1 {"}"}
              traffic:
                upstreamFile: {upstream}
                upstreamName: app
                nginx: {nginx.Binary}
                nginxArguments: "{nginx.Arguments}"
                probeUrl: http://127.0.0.1:{proxyPort}/version
              readiness: {"{"} timeout: 90s, interval: 100ms {"}"}
              steps:
                stop: [ {"{"} name: stop, command: "bash {app} stop {"{instance}"}" {"}"} ]
                start: [ {"{"} name: start, command: "bash {app} start {"{instance} {host} {port} {version}"}" {"}"} ]
            """);
        try
        {
            // 1.0.0 runs before DeployOps arrives (inside each host's namespace); a first rollout warms connections up.
            foreach (var (i, index) in instances.Select((i, n) => (i, n)))
            {
                var ns = hostOf(index) is { } h ? $"netns exec dof{fleet.Hosts[h].Name} " : "";
                ExternalProcess.Run(ns.Length > 0 ? "ip" : "bash", $"{ns}{(ns.Length > 0 ? "bash " : "")}{app} start {i.Name} {i.Address} {i.Port} 1.0.0");
            }
            foreach (var i in instances) await WaitForAsync(i.Address, i.Port);
            await DeployAsync(config, "1.1.0");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            long requests = 0, failed = 0;
            using var stop = new CancellationTokenSource();
            var load = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref requests);
                    try { using var r = await http.GetAsync($"http://127.0.0.1:{proxyPort}/version"); if (!r.IsSuccessStatusCode) Interlocked.Increment(ref failed); }
                    catch (HttpRequestException) { Interlocked.Increment(ref failed); }
                    catch (TaskCanceledException) { Interlocked.Increment(ref failed); }
                    await Task.Delay(10);
                }
            });
            var times = new List<double>();
            for (var r = 0; r < runs; r++)
            {
                var clock = Stopwatch.StartNew();
                await DeployAsync(config, $"2.0.{r}");
                times.Add(clock.Elapsed.TotalSeconds);
            }
            await stop.CancelAsync();
            await load;
            return (times, requests, failed);
        }
        finally
        {
            foreach (var pidFile in Directory.EnumerateFiles(dir, "*.pid"))
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) ExternalProcess.Kill(pid, 9);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static async Task WaitForAsync(string address, int port)
    {
        for (var attempt = 0; attempt < 900; attempt++)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(address, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) { await Task.Delay(100); }
        }
        throw new TimeoutException($"nothing listens on {address}:{port}");
    }

    private static async Task DeployAsync(string config, string version)
    {
        var record = await DeploymentEngine.InvokeAsync(ConfigLoader.Load(config),
            new DeploymentOptions { Version = version, Strategy = DeploymentStrategy.Rolling }, NullSink.ErrorsOnly, CancellationToken.None);
        if (record?.Outcome != DeploymentOutcome.Succeeded) throw new InvalidOperationException($"rolling {version} failed: {record?.Error}");
    }
}
