namespace DeployOps.Engine.Health.Exposition;

/// <summary>One cumulative histogram bucket: observations less than or equal to <see cref="UpperBound"/>.</summary>
internal readonly record struct Bucket(double UpperBound, double Count);

/// <summary>
/// PromQL's <c>histogram_quantile</c> over cumulative buckets, with the same linear interpolation inside the
/// bucket that holds the rank: the lowest bucket is assumed to start at 0 (when its bound is positive), a rank in
/// the +Inf bucket answers the highest finite bound, and non-monotonic counts (from scrapes racing with
/// observations) are flattened as Prometheus does.
/// </summary>
internal static class HistogramQuantile
{
    public static double Compute(double quantile, IEnumerable<Bucket> buckets)
    {
        if (double.IsNaN(quantile)) return double.NaN;
        if (quantile < 0) return double.NegativeInfinity;
        if (quantile > 1) return double.PositiveInfinity;

        var sorted = buckets.Where(b => !double.IsNaN(b.UpperBound)).OrderBy(b => b.UpperBound).ToList();
        if (sorted.Count < 2 || !double.IsPositiveInfinity(sorted[^1].UpperBound)) return double.NaN;
        sorted = Coalesce(sorted);
        if (sorted.Count < 2) return double.NaN;
        EnsureMonotonic(sorted);

        var total = sorted[^1].Count;
        if (total <= 0 || double.IsNaN(total)) return double.NaN;
        var rank = quantile * total;

        // The first bucket (excluding +Inf) whose cumulative count reaches the rank.
        var b = sorted.Count - 1;
        for (var i = 0; i < sorted.Count - 1; i++)
        {
            if (sorted[i].Count >= rank) { b = i; break; }
        }
        if (b == sorted.Count - 1) return sorted[^2].UpperBound;
        if (b == 0 && sorted[0].UpperBound <= 0) return sorted[0].UpperBound;

        var bucketStart = 0.0;
        var bucketEnd = sorted[b].UpperBound;
        var count = sorted[b].Count;
        if (b > 0)
        {
            bucketStart = sorted[b - 1].UpperBound;
            count -= sorted[b - 1].Count;
            rank -= sorted[b - 1].Count;
        }
        if (count <= 0) return bucketStart;
        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }

    /// <summary>Buckets with the same bound (e.g. "1" and "1.0" from two targets) are summed.</summary>
    private static List<Bucket> Coalesce(List<Bucket> sorted)
    {
        var result = new List<Bucket>(sorted.Count);
        foreach (var bucket in sorted)
        {
            if (result.Count > 0 && result[^1].UpperBound == bucket.UpperBound)
                result[^1] = result[^1] with { Count = result[^1].Count + bucket.Count };
            else result.Add(bucket);
        }
        return result;
    }

    private static void EnsureMonotonic(List<Bucket> sorted)
    {
        var max = double.NegativeInfinity;
        for (var i = 0; i < sorted.Count; i++)
        {
            if (sorted[i].Count > max) max = sorted[i].Count;
            else if (sorted[i].Count < max) sorted[i] = sorted[i] with { Count = max };
        }
    }
}
