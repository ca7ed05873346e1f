using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeployOps.Engine.Configuration;
using DeployOps.Engine.Health;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Exposition;

namespace DeployOps.Bench;

/// <summary>
/// Health numbers: how long the exposition parser takes for 50,000 series, and how long a watch at a 1 s interval
/// takes from a fault injected into the real demo app to the Rollback verdict.
/// </summary>
internal static class HealthBench
{
    public static async Task RunAsync(string[] args)
    {
        if (args.Length == 0 || args.Contains("parse")) ParseBenchmark();
        if (args.Length == 0 || args.Contains("detection")) await DetectionBenchmark.RunAsync();
    }

    private static void ParseBenchmark()
    {
        var text = Exposition(50_000);
        var first = ExpositionParser.Parse(text);
        if (first.Samples.Count != 50_000) throw new InvalidOperationException($"expected 50000 samples, parsed {first.Samples.Count}");
        var times = new List<double>();
        for (var i = 0; i < 15; i++)
        {
            var clock = Stopwatch.StartNew();
            ExpositionParser.Parse(text);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"health/parse: 50,000-series exposition ({text.Length / 1024.0 / 1024:0.0} MiB): median {times[times.Count / 2]:0.0} ms, best {times[0]:0.0} ms ({50_000 / (times[times.Count / 2] / 1000) / 1e6:0.00} M series/s), 15 runs"));
    }

    /// <summary>Counters, a histogram and gauges with several labels, escaped values and timestamps on some lines.</summary>
    internal static string Exposition(int series)
    {
        var s = new StringBuilder(series * 90);
        var perFamily = 1000;
        for (var family = 0; family * perFamily < series; family++)
        {
            s.Append("# HELP app_metric_").Append(family).Append("_total Requests of family ").Append(family).Append(" with an escaped \\\\ backslash.\n");
            s.Append("# TYPE app_metric_").Append(family).Append("_total counter\n");
            for (var i = 0; i < perFamily && family * perFamily + i < series; i++)
            {
                s.Append("app_metric_").Append(family).Append("_total{method=\"").Append(i % 2 == 0 ? "GET" : "POST")
                    .Append("\",path=\"/api/items/").Append(i).Append("\",status=\"").Append(200 + i % 5 * 100)
                    .Append("\",note=\"line\\nwith \\\"quotes\\\"\"} ").Append((i * 7919 % 100000).ToString(CultureInfo.InvariantCulture));
                if (i % 10 == 0) s.Append(" 1700000000000");
                s.Append('\n');
            }
        }
        return s.ToString();
    }
}
