using System.Diagnostics;
using System.Net.Http.Json;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Hosting;
using DeployOps.Engine.Tests.Fixtures;

namespace DeployOps.Bench;

/// <summary>
/// Detection latency: the demo app runs as a real process under steady load; a watch scrapes it every second; an
/// error-rate fault is injected and the time until the first Rollback sample is measured. The error-rate rule has
/// no sustained duration here, so the number is the watch's own latency (scrape interval + evaluation), not the
/// runbook's 5 minutes.
/// </summary>
internal static class DetectionBenchmark
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task RunAsync()
    {
        var latencies = new List<double>();
        for (var run = 0; run < 5; run++) latencies.Add(await MeasureOnceAsync());
        latencies.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"health/detection: fault injected → Rollback verdict at a 1 s interval: median {latencies[latencies.Count / 2]:0} ms, max {latencies[^1]:0} ms (runs: {string.Join(", ", latencies.Select(l => l.ToString("0")))} ms)"));
    }

    private static async Task<double> MeasureOnceAsync()
    {
        using var app = new DemoAppProcess("bench");
        var baseUrl = app.BaseUrl;
        var directory = Directory.CreateTempSubdirectory("deployops-bench-health-").FullName;
        try
        {
            await WaitForAsync(baseUrl + "/health");
            var yaml = Path.Combine(directory, "deployops.yaml");
            await File.WriteAllTextAsync(yaml, $"""
                application: bench
                environment: bench
                health:
                  interval: 1s
                  scrape:
                    targets: ["{baseUrl}/metrics"]
                  rules:
                    - name: errorRate
                      for: 0s
                    - name: memoryGrowth
                      enabled: false
                """);
            var config = ConfigLoader.Load(yaml);
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(_ => LoadAsync(baseUrl + "/api/work", stop.Token)).ToList();
            var sink = new TimingSink();
            var watch = HealthWatcher.WatchAsync(config, new WatchOptions { Duration = TimeSpan.FromSeconds(60), Record = false }, sink, stop.Token);
            while (sink.HealthySamples < 3) await Task.Delay(20); // steady state first
            await Task.Delay(Random.Shared.Next(0, 1000)); // inject at an arbitrary point of the interval
            var injected = Stopwatch.GetTimestamp();
            using (var r = await Http.PostAsJsonAsync(baseUrl + "/admin/faults", new { errorRate = 0.5 })) r.EnsureSuccessStatusCode();
            var decision = await watch;
            var latency = Stopwatch.GetElapsedTime(injected, sink.RollbackAt).TotalMilliseconds;
            stop.Cancel();
            await Task.WhenAll(load);
            if (decision.Verdict != HealthVerdict.Rollback) throw new InvalidOperationException($"expected Rollback, got {decision}");
            return latency;
        }
        finally
        {
            try { Directory.Delete(directory, true); } catch (IOException) { }
        }
    }

    private static async Task LoadAsync(string url, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { using var _ = await Http.GetAsync(url, ct); await Task.Delay(10, ct); }
            catch (OperationCanceledException) { return; }
            catch (HttpRequestException) { }
        }
    }

    private static async Task WaitForAsync(string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { using var r = await Http.GetAsync(url); if (r.IsSuccessStatusCode) return; }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{url} did not answer");
            await Task.Delay(100);
        }
    }

    private sealed class TimingSink : IOutputSink
    {
        private int _healthy;
        public int HealthySamples => Volatile.Read(ref _healthy);
        public long RollbackAt { get; private set; }

        public void WriteRecord(object record)
        {
            if (record is not HealthSample sample) return;
            if (sample.Verdict == HealthVerdict.Healthy) Interlocked.Increment(ref _healthy);
            if (sample.Verdict == HealthVerdict.Rollback && RollbackAt == 0) RollbackAt = Stopwatch.GetTimestamp();
        }

        public void WriteProgress(ProgressUpdate progress) { }
        public void WriteVerbose(string message) { }
        public void WriteWarning(string message) { }
        public void WriteError(DeployOpsError error) { }
        public bool ShouldProcess(string target, string action) => true;
        public bool IsDryRun => false;
    }
}
