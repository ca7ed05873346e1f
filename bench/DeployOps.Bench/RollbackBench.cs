using System.Diagnostics;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Rollback;
using DeployOps.Engine.Strategies;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;

namespace DeployOps.Bench;

/// <summary>
/// Blue-green switch-back time: from calling Invoke-Rollback (the engine's RollbackAsync, with its evidence
/// collection and health verification) until 100% of requests through a real nginx answer the old version
/// (the first of 50 consecutive answers from it). Two real demo-app processes are the slots; each round deploys
/// "2.0.x" to green (no steps: green already runs it) and rolls it back to blue.
/// </summary>
internal static class RollbackBench
{
    private const int Streak = 50;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 10;
        using var blue = new DemoAppProcess("1.0.0", instance: "blue");
        using var green = new DemoAppProcess("2.0.0", instance: "green");
        using var proxy = new NginxStage(new[] { new TrafficBackend("blue", "127.0.0.1", blue.Port, 0), new TrafficBackend("green", "127.0.0.1", green.Port, 100) });
        var root = Directory.CreateTempSubdirectory("deployops-bench-rollback-").FullName;
        try
        {
            var yaml = Path.Combine(root, "deployops.yaml");
            File.WriteAllText(yaml, string.Join("\n", new[]
            {
                "application: bench",
                "environment: local",
                "deployment:",
                "  slots:",
                $"    blue: {{ host: 127.0.0.1, port: {blue.Port} }}",
                $"    green: {{ host: 127.0.0.1, port: {green.Port} }}",
                proxy.Yaml("  "),
                "  readiness: { timeout: 10s, interval: 50ms }",
            }) + "\n");
            var config = ConfigLoader.Load(yaml);
            var quiet = NullSink.ErrorsOnly;
            await DeployAsync(config, "1.0.0", quiet); // to blue: the history now has a previous version

            var times = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                await DeployAsync(config, $"2.0.{round}", quiet); // to green
                if (!await AllAnswerAsync(proxy.ProxyUrl, "2.0.0", Streak)) throw new InvalidOperationException("green did not take the traffic");
                var clock = Stopwatch.StartNew();
                var rollback = RollbackEngine.RollbackAsync(config, new RollbackOptions { Reason = "bench" }, quiet, CancellationToken.None);
                double? firstOld = null;
                var streak = 0;
                while (streak < Streak)
                {
                    var at = clock.Elapsed.TotalMilliseconds;
                    if (await VersionAsync(proxy.ProxyUrl) == "1.0.0")
                    {
                        if (streak++ == 0) firstOld = at;
                    }
                    else streak = 0;
                }
                var result = await rollback;
                if (result?.Status != RollbackStatus.Succeeded) throw new InvalidOperationException($"rollback: {result?.Message}");
                times.Add(firstOld!.Value);
                Console.WriteLine($"round {round + 1}: command -> 100% old slot {firstOld:0} ms (rollback command {result.Duration.TotalMilliseconds:0} ms)");
            }
            times.Sort();
            Console.WriteLine($"blue-green switch-back (Invoke-Rollback -> 100% of requests through nginx on the old version), {rounds} rounds: " +
                $"median {times[times.Count / 2]:0} ms, min {times[0]:0} ms, max {times[^1]:0} ms");
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    private static async Task DeployAsync(ConfigModel config, string version, IOutputSink sink)
    {
        var record = await DeploymentEngine.InvokeAsync(config, new DeploymentOptions { Version = version, Strategy = DeploymentStrategy.BlueGreen }, sink,
            CancellationToken.None);
        if (record?.Outcome != Engine.State.DeploymentOutcome.Succeeded) throw new InvalidOperationException($"deploy {version}: {record?.Error}");
    }

    private static async Task<bool> AllAnswerAsync(string proxy, string version, int count)
    {
        for (var i = 0; i < count; i++) if (await VersionAsync(proxy) != version) return false;
        return true;
    }

    private static async Task<string> VersionAsync(string proxy)
    {
        try
        {
            using var response = await Http.GetAsync(proxy + "/api/bench");
            return response.Headers.TryGetValues("X-App-Version", out var v) ? string.Join(",", v) : $"status {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }
}
