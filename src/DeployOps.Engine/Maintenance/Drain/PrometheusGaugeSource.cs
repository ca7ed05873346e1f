using System.Globalization;

namespace DeployOps.Engine.Maintenance.Drain;

/// <summary>
/// One gauge from a Prometheus text endpoint, summed over its series. Deliberately tiny: it matches lines that
/// start with the metric name followed by a space or '{' and reads the sample value; it is not a general parser.
/// </summary>
internal sealed class PrometheusGaugeSource : HttpDrainSource
{
    private readonly string _metric;

    public PrometheusGaugeSource(IReadOnlyList<string> urls, string metric, TimeSpan requestTimeout) : base(urls, requestTimeout) =>
        _metric = metric;

    public override string Description => $"{_metric} at {UrlList}";

    protected override long Extract(string body, string url)
    {
        double sum = 0;
        var found = false;
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length <= _metric.Length || line[0] == '#' || !line.StartsWith(_metric, StringComparison.Ordinal)) continue;
            var next = line[_metric.Length];
            if (next != ' ' && next != '{' && next != '\t') continue;
            var rest = next == '{' ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line[_metric.Length..];
            var value = rest.Trim().Split(' ', '\t')[0];
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var sample))
                throw new DrainSourceException($"{url}: '{line}' has no numeric value");
            sum += sample;
            found = true;
        }
        if (!found) throw new DrainSourceException($"{url} exposes no metric '{_metric}'");
        return (long)Math.Ceiling(sum);
    }
}
