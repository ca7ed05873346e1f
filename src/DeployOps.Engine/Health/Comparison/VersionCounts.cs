using System.Globalization;
using DeployOps.Engine.Health.Decision;
using DeployOps.Engine.Health.Exposition;

namespace DeployOps.Engine.Health.Comparison;

/// <summary>
/// One version's counts in one interval, read from an observation's signals: <c>&lt;version&gt;.requests</c>,
/// <c>&lt;version&gt;.errors</c> and the latency histogram's bucket increases <c>&lt;version&gt;.bucket.&lt;le&gt;</c>
/// (le in seconds, <c>+Inf</c> included). Kept as plain signals so recordings and -Replay carry them unchanged.
/// </summary>
internal sealed class VersionCounts
{
    private VersionCounts(string version, double requests, double errors, IReadOnlyDictionary<double, double> buckets, string? missing, bool absent)
    {
        Version = version;
        Requests = requests;
        Errors = errors;
        Buckets = buckets;
        Missing = missing;
        Absent = absent;
    }

    public string Version { get; }
    public double Requests { get; }
    public double Errors { get; }
    /// <summary>Cumulative bucket increase by upper bound (seconds).</summary>
    public IReadOnlyDictionary<double, double> Buckets { get; }
    /// <summary>Why this interval has no counts for the version (a query without value, a failed scrape); null when read.</summary>
    public string? Missing { get; }
    /// <summary>No source provides this version's counts at all.</summary>
    public bool Absent { get; }

    public static string RequestsSignal(string version) => version + ".requests";
    public static string ErrorsSignal(string version) => version + ".errors";
    public static string BucketPrefix(string version) => version + ".bucket.";

    public static string BucketSignal(string version, double le) =>
        BucketPrefix(version) + (double.IsPositiveInfinity(le) ? "+Inf" : le.ToString("R", CultureInfo.InvariantCulture));

    public static VersionCounts Read(HealthObservation o, string version)
    {
        var requestsKey = RequestsSignal(version);
        var errorsKey = ErrorsSignal(version);
        var buckets = new Dictionary<double, double>();
        var prefix = BucketPrefix(version);
        foreach (var (name, value) in o.Signals)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var le = name[prefix.Length..];
            if (le is "+Inf" or "Inf") buckets[double.PositiveInfinity] = value;
            else if (double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound)) buckets[bound] = value;
        }
        var hasRequests = o.Signals.TryGetValue(requestsKey, out var requests) && !double.IsNaN(requests);
        var hasErrors = o.Signals.TryGetValue(errorsKey, out var errors) && !double.IsNaN(errors);
        if (hasRequests && hasErrors) return new(version, requests, Math.Min(errors, requests), buckets, null, false);

        var why = o.Unreadable.TryGetValue(hasRequests ? errorsKey : requestsKey, out var reason) ? reason
            : o.Signals.ContainsKey(hasRequests ? errorsKey : requestsKey) ? "not a number"
            : null;
        var absent = why is null && !hasRequests && !hasErrors && buckets.Count == 0;
        return new(version, 0, 0, buckets, $"{(hasRequests ? errorsKey : requestsKey)}: {why ?? "no value"}", absent);
    }

}

/// <summary>Both versions' counts summed over the same samples.</summary>
internal sealed class WindowTotals
{
    public double Requests { get; private set; }
    public double Errors { get; private set; }
    public Dictionary<double, double> Buckets { get; } = new();

    public void Add(VersionCounts counts)
    {
        if (counts.Missing is not null) return;
        Requests += counts.Requests;
        Errors += counts.Errors;
        foreach (var (le, n) in counts.Buckets) Buckets[le] = Buckets.GetValueOrDefault(le) + n;
    }

    /// <summary>Observations in the histogram (its +Inf bucket).</summary>
    public double LatencyCount => Buckets.TryGetValue(double.PositiveInfinity, out var n) ? n : 0;

    /// <summary>The quantile in milliseconds, PromQL's interpolation; null without histogram counts.</summary>
    public double? QuantileMs(double q)
    {
        if (LatencyCount <= 0) return null;
        var seconds = HistogramQuantile.Compute(q, Buckets.Select(kv => new Bucket(kv.Key, kv.Value)));
        return double.IsNaN(seconds) ? null : seconds * 1000;
    }

    /// <summary>
    /// Distribution-free interval of the quantile: the ranks n·q ± z·√(n·q·(1−q)) (the binomial spread of the order
    /// statistic) read through the same interpolation; null without histogram counts.
    /// </summary>
    public (double Lower, double Upper)? QuantileIntervalMs(double q, double z)
    {
        var n = LatencyCount;
        if (n <= 0) return null;
        var spread = z * Math.Sqrt(q * (1 - q) / n);
        var buckets = Buckets.Select(kv => new Bucket(kv.Key, kv.Value)).ToList();
        var lower = HistogramQuantile.Compute(Math.Max(0, q - spread), buckets);
        var upper = HistogramQuantile.Compute(Math.Min(1, q + spread), buckets);
        return double.IsNaN(lower) || double.IsNaN(upper) ? null : (lower * 1000, upper * 1000);
    }

    public VersionFigures Figures(string version) => new(version, Requests, Errors,
        Requests > 0 ? 100 * Errors / Requests : null, LatencyCount, QuantileMs(0.5), QuantileMs(0.95), QuantileMs(0.99));
}
