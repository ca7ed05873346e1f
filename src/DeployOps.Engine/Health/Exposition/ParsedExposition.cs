namespace DeployOps.Engine.Health.Exposition;

/// <summary>The samples of one scrape, with the families' declared types and help texts.</summary>
internal sealed class ParsedExposition
{
    private Dictionary<string, List<MetricSample>>? _byName;

    internal ParsedExposition(IReadOnlyList<MetricSample> samples, IReadOnlyDictionary<string, MetricType> types,
        IReadOnlyDictionary<string, string> help)
    {
        Samples = samples;
        Types = types;
        Help = help;
    }

    public IReadOnlyList<MetricSample> Samples { get; }
    public IReadOnlyDictionary<string, MetricType> Types { get; }
    public IReadOnlyDictionary<string, string> Help { get; }

    /// <summary>Every sample with exactly this metric name (e.g. <c>http_request_duration_seconds_bucket</c>).</summary>
    public IReadOnlyList<MetricSample> Series(string name)
    {
        _byName ??= Samples.GroupBy(s => s.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return _byName.TryGetValue(name, out var list) ? list : (IReadOnlyList<MetricSample>)Array.Empty<MetricSample>();
    }

    public MetricType TypeOf(string family) => Types.TryGetValue(family, out var t) ? t : MetricType.Untyped;
}
