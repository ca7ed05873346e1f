using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.State;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Bench;

/// <summary>
/// Container blue-green on a private dockerd behind a real nginx. For each round it measures, from the call until
/// every request through nginx answers the target version (a poller on new connections, the first answer of the
/// final all-target streak): (1) a blue-green deployment of the other version into the idle slot's container,
/// (2) the switch-back to the old container, still running (Switch-DeploymentTraffic), and (3) the rollback by
/// redeploying the previous version, which starts its recorded image by id.
/// </summary>
internal static class DockerBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 5;
        using var daemon = new DockerDaemonFixture();
        var root = Directory.CreateTempSubdirectory("deployops-bench-docker-").FullName;
        var blue = new DeploymentTarget("blue", "127.0.0.1", FreePort.Next());
        var green = new DeploymentTarget("green", "127.0.0.1", FreePort.Next());
        using var proxy = new NginxStage(TrafficSwitcher.AllTo(new[] { blue, green }, "blue"));
        var path = Path.Combine(root, "deployops.yaml");
        File.WriteAllText(path, string.Join("\n", new[]
        {
            "application: benchdocker",
            "environment: local",
            "deployment:",
            $"  slots:\n    blue: {{ host: 127.0.0.1, port: {blue.Port} }}\n    green: {{ host: 127.0.0.1, port: {green.Port} }}",
            proxy.Yaml("  ", "/version"),
            "  readiness: { path: /version, timeout: 15s, interval: 50ms }",
            "  docker:",
            $"    host: {daemon.Host}",
            $"    image: \"{DockerDaemonFixture.TestRepository}:{{version}}\"",
            "    pull: never",
            "    env: { PORT: \"{port}\" }",
            "    healthcheck: { command: \"wget -q -O /dev/null http://127.0.0.1:{port}/version\", interval: 100ms, retries: 2, timeout: 20s }",
            "    restart: \"no\"",
            "    stopTimeout: 1s",
            "    operatorTags: false",
        }));
        try
        {
            var config = ConfigLoader.Load(path);
            await DeployAsync(config, "1"); // warm-up: 1 runs on green
            var deploy = new List<double>();
            var switchBack = new List<double>();
            var rollback = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                // 2 into the idle slot, then back to 1's container with a traffic switch, then forward again and
                // roll back by redeploying 1 (a new container from 1's recorded image id).
                var idle = Active(config) == "green" ? "blue" : "green";
                deploy.Add(await TimeUntilAllAsync(proxy, "2", () => DeployAsync(config, "2")));
                var old = idle == "blue" ? "green" : "blue";
                switchBack.Add(await TimeUntilAllAsync(proxy, "1", () => SwitchAsync(config, old)));
                await SwitchAsync(config, idle);
                rollback.Add(await TimeUntilAllAsync(proxy, "1", () => DeployAsync(config, "1")));
            }
            Console.WriteLine($"docker blue-green, {rounds} rounds (private dockerd, vfs storage, busybox httpd images, real nginx):");
            Print("blue-green container deployment (start -> 100% on new version)", deploy);
            Print("switch-back to the old container (start -> 100% on old version)", switchBack);
            Print("rollback: redeploy previous image by id (start -> 100% on previous)", rollback);
            return 0;
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    private static string? Active(ConfigModel config) =>
        TrafficSwitcher.ActiveSlot(NginxRouter.Parse(File.ReadAllText(config.Deployment.Traffic.UpstreamFile!)));

    private static async Task DeployAsync(ConfigModel config, string version)
    {
        var record = await DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = version, Strategy = DeploymentStrategy.BlueGreen },
            NullSink.Reporting, CancellationToken.None);
        if (record?.Outcome != DeploymentOutcome.Succeeded) throw new InvalidOperationException($"deployment of {version}: {record?.Error}");
    }

    private static Task SwitchAsync(ConfigModel config, string to) =>
        TrafficSwitcher.SwitchAsync(config, new SwitchTrafficOptions { To = to }, NullSink.Reporting, CancellationToken.None);

    /// <summary>Runs the action while polling nginx; the time from start to the first answer of the final all-target streak.</summary>
    private static async Task<double> TimeUntilAllAsync(NginxStage proxy, string version, Func<Task> action)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var task = action();
        double? streakStart = null;
        async Task<bool> PollAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, proxy.ProxyUrl + "/version");
            request.Headers.ConnectionClose = true;
            var at = clock.Elapsed.TotalMilliseconds;
            string answer;
            try { answer = (await (await http.SendAsync(request)).Content.ReadAsStringAsync()).Trim(); }
            catch (HttpRequestException) { answer = "error"; }
            if (answer == version) streakStart ??= at;
            else streakStart = null;
            return true;
        }
        while (!task.IsCompleted) await PollAsync();
        await task;
        for (var i = 0; i < 50; i++) await PollAsync(); // after the command returns, every answer must be the target
        return streakStart ?? double.NaN;
    }

    private static void Print(string what, List<double> ms)
    {
        var sorted = ms.OrderBy(x => x).ToList();
        Console.WriteLine($"  {what}: median {sorted[sorted.Count / 2]:0} ms, min {sorted[0]:0} ms, max {sorted[^1]:0} ms");
    }
}
