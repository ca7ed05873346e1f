namespace DeployOps.Engine.Health.Exposition;

/// <summary>One sample line of a Prometheus text exposition: name, labels, value and optional timestamp (ms).</summary>
internal sealed class MetricSample
{
    private static readonly KeyValuePair<string, string>[] NoLabels = Array.Empty<KeyValuePair<string, string>>();

    public MetricSample(string name, IReadOnlyList<KeyValuePair<string, string>>? labels, double value, long? timestampMs = null)
    {
        Name = name;
        Labels = labels ?? NoLabels;
        Value = value;
        TimestampMs = timestampMs;
    }

    public string Name { get; }
    /// <summary>Labels in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }
    public double Value { get; }
    public long? TimestampMs { get; }

    public string? Label(string name)
    {
        foreach (var pair in Labels) if (pair.Key == name) return pair.Value;
        return null;
    }

    /// <summary>A stable identity for the series (name and sorted labels), optionally leaving one label out.</summary>
    public string SeriesKey(string? without = null)
    {
        if (Labels.Count == 0) return Name;
        var parts = Labels.Where(l => l.Key != without).OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => l.Key + "=" + l.Value);
        return Name + "{" + string.Join(",", parts) + "}";
    }

    public override string ToString() => $"{SeriesKey()} {Value}";
}

/// <summary>The declared type of a metric family (# TYPE).</summary>
internal enum MetricType
{
    Untyped,
    Counter,
    Gauge,
    Histogram,
    Summary,
}
