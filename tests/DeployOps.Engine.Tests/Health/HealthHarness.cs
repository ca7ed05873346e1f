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

    public static string Describe(IEnumerable<HealthSample> samples) => string.Join("\n", samples.Select(s => s.ToString()));
}
