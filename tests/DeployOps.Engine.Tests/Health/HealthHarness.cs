using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Tests.Support;

namespace DeployOps.Engine.Tests.Health;

/// <summary>Configurations and watches for the real-signal health tests.</summary>
internal static class HealthHarness
{
    /// <summary>
    /// Direct scrape of the demo app every 500 ms. Compressing time inflates per-minute rates of ordinary noise (a
    /// 5 MB garbage-collector step within 3 s reads as 100 MB/min), so the memory rule's threshold is scaled up
    /// with the window; the memory tests inject leaks well above it.
    /// </summary>
    public const string Scrape = """
        interval: 500ms
        minRequests: 10
        scrape:
          targets: [app]
          memoryGrowthWindow: 4s
        rules:
          - name: memoryGrowth
            threshold: 300
        """;

    /// <summary>A deployops.yaml whose health section is <paramref name="health"/> (indented under health:).</summary>
    public static TempConfig Config(string health, string baseUrl, string top = "")
    {
        var indented = string.Join("\n", health.Trim('\n').Split('\n').Select(l => "  " + l));
        return new TempConfig($"application: demo\nenvironment: test\nendpoints:\n  app: {baseUrl}\n{top}health:\n{indented}\n");
    }

    public static async Task<(IReadOnlyList<HealthSample> Samples, HealthDecision Decision, RecordingSink Sink)> WatchAsync(
        TempConfig file, WatchOptions options, CancellationToken ct = default)
    {
        var config = ConfigLoader.Load(file.Path);
        var sink = new RecordingSink();
        var decision = await HealthWatcher.WatchAsync(config, options, sink, ct);
        return (sink.RecordsOf<HealthSample>().ToList(), decision, sink);
    }

    /// <summary>Starts a watch in the background; its sink shows the samples as they come.</summary>
    public static (Task<HealthDecision> Watch, RecordingSink Sink) Start(TempConfig file, WatchOptions options)
    {
        var config = ConfigLoader.Load(file.Path);
        var sink = new RecordingSink();
        return (Task.Run(() => HealthWatcher.WatchAsync(config, options, sink, CancellationToken.None)), sink);
    }

    /// <summary>Waits until the watch has emitted <paramref name="count"/> samples matching <paramref name="predicate"/>.</summary>
    public static async Task WaitForSamplesAsync(RecordingSink sink, int count, Func<HealthSample, bool>? predicate = null, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (sink.RecordsOf<HealthSample>().Count(predicate ?? (_ => true)) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("samples so far:\n" + Describe(sink.RecordsOf<HealthSample>()));
            await Task.Delay(50);
        }
    }

    public static string Describe(IEnumerable<HealthSample> samples) => string.Join("\n", samples.Select(s => s.ToString()));
}
