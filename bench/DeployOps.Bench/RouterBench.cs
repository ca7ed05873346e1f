using System.Diagnostics;
using DeployOps.Engine.Audit;
using DeployOps.Engine.Tests.Fixtures;
using DeployOps.Engine.Tests.Traffic;
using DeployOps.Engine.Traffic;
using DeployOps.Engine.Traffic.Haproxy;

namespace DeployOps.Bench;

/// <summary>
/// Blue↔green switches under keep-alive GET and POST load (paced, never retried) through each router, in one run:
/// haproxy (runtime API, no reload), nginx (DeployOps' router: write, nginx -t, reload, wait for old workers,
/// confirm) and a raw <c>nginx -s reload</c> after rewriting the upstream file. Reports failed requests and socket
/// errors per router. Options: --switches N (100), --rate N requests/s (200), --concurrency N (16), --pause ms (100).
/// </summary>
public static class RouterBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var switches = Option(args, "--switches", 100);
        var rate = Option(args, "--rate", 200);
        var concurrency = Option(args, "--concurrency", 16);
        var pause = TimeSpan.FromMilliseconds(Option(args, "--pause", 100));
        using var blue = new DemoAppProcess("1.0.0");
        using var green = new DemoAppProcess("2.0.0");
        IReadOnlyList<TrafficBackend> Weights(bool toGreen) => new[]
        {
            new TrafficBackend("blue", "127.0.0.1", blue.Port, toGreen ? 0 : 100),
            new TrafficBackend("green", "127.0.0.1", green.Port, toGreen ? 100 : 0),
        };
        Console.WriteLine($"{switches} blue<->green switches per router, {rate} req/s of keep-alive GET+POST ({concurrency} clients, no retry), " +
            $"{pause.TotalMilliseconds:0} ms between switches; load average {LoadAverage()}");

        var results = new List<string>();
        using (var haproxy = new HaproxyStage(Weights(false)))
        {
            var router = new HaproxyRouter(haproxy.Settings(drainTimeout: TimeSpan.FromSeconds(10)), new Redactor());
            results.Add(await MeasureAsync("haproxy (runtime API)", haproxy.ProxyUrl, switches, rate, concurrency, pause,
                toGreen => router.ApplyAsync(Weights(toGreen), CancellationToken.None)));
        }
        using (var nginx = new NginxStage(Weights(false)))
        {
            var router = new NginxRouter(nginx.Settings(), new Redactor());
            results.Add(await MeasureAsync("nginx (DeployOps router)", nginx.ProxyUrl, switches, rate, concurrency, pause,
                toGreen => router.ApplyAsync(Weights(toGreen), CancellationToken.None)));
        }
        using (var nginx = new NginxStage(Weights(false)))
        {
            var writer = new NginxRouter(nginx.Settings(), new Redactor());
            results.Add(await MeasureAsync("raw nginx -s reload", nginx.ProxyUrl, switches, rate, concurrency, pause, toGreen =>
            {
                writer.WriteInitial(Weights(toGreen)); // the file only; the reload is the plain command
                nginx.Nginx.Reload();
                return Task.CompletedTask;
            }));
        }
        Console.WriteLine();
        Console.WriteLine("| Router | Requests (GET / POST) | Failed | of which socket errors | Switch median / max |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var line in results) Console.WriteLine(line);
        Console.WriteLine($"load average at end {LoadAverage()}");
        return 0;
    }

    private static async Task<string> MeasureAsync(string name, string url, int switches, int rate, int concurrency, TimeSpan pause,
        Func<bool, Task> switchTo)
    {
        await using var load = new KeepAliveLoad(url, concurrency, rate);
        await load.WarmUpAsync(100);
        var times = new List<double>();
        for (var i = 0; i < switches; i++)
        {
            var clock = Stopwatch.StartNew();
            await switchTo(i % 2 == 0);
            times.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(pause);
        }
        await Task.Delay(1000); // requests in flight at the last switch finish
        await load.DisposeAsync();
        times.Sort();
        Console.WriteLine($"{name}: {load.Summary()}");
        return $"| {name} | {load.Requests} ({load.Gets} / {load.Posts}) | {load.Failures.Count} | {load.SocketErrors} | " +
            $"{times[times.Count / 2]:0} ms / {times[^1]:0} ms |";
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }
}
