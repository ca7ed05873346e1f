using DeployOps.Engine.Health.Exposition;

namespace DeployOps.Engine.Tests.Health;

public sealed class HistogramQuantileTests
{
    private static Bucket[] B(params (double le, double count)[] b) => b.Select(x => new Bucket(x.le, x.count)).ToArray();

    // The expectations are what PromQL's histogram_quantile answers for the same buckets.
    [Fact]
    public void Interpolates_linearly_inside_the_bucket_holding_the_rank()
    {
        var buckets = B((0.1, 50), (0.5, 90), (1, 100), (double.PositiveInfinity, 100));
        Assert.Equal(0.1, HistogramQuantile.Compute(0.5, buckets), 10);        // rank 50 is the top of bucket 1
        Assert.Equal(0.75, HistogramQuantile.Compute(0.95, buckets), 10);       // 0.5 + 0.5 * (95-90)/10
        Assert.Equal(0.3, HistogramQuantile.Compute(0.7, buckets), 10);         // 0.1 + 0.4 * (70-50)/40
        Assert.Equal(0.05, HistogramQuantile.Compute(0.25, buckets), 10);       // first bucket starts at 0
    }

    [Fact]
    public void A_rank_in_the_inf_bucket_answers_the_highest_finite_bound()
    {
        var buckets = B((1, 10), (2.5, 20), (double.PositiveInfinity, 100));
        Assert.Equal(2.5, HistogramQuantile.Compute(0.95, buckets));
    }

    [Fact]
    public void Empty_missing_inf_or_single_bucket_histograms_are_NaN()
    {
        Assert.True(double.IsNaN(HistogramQuantile.Compute(0.95, B((1, 0), (double.PositiveInfinity, 0)))));
        Assert.True(double.IsNaN(HistogramQuantile.Compute(0.95, B((1, 3), (2, 5)))));
        Assert.True(double.IsNaN(HistogramQuantile.Compute(0.95, B((double.PositiveInfinity, 5)))));
        Assert.Equal(double.NegativeInfinity, HistogramQuantile.Compute(-0.1, B((1, 1), (double.PositiveInfinity, 1))));
        Assert.Equal(double.PositiveInfinity, HistogramQuantile.Compute(1.1, B((1, 1), (double.PositiveInfinity, 1))));
    }

    [Fact]
    public void Unsorted_duplicate_and_non_monotonic_buckets_are_repaired_like_PromQL()
    {
        // Order does not matter; duplicate bounds (two targets) are summed; a dip is flattened to the running maximum.
        var buckets = B((double.PositiveInfinity, 10), (2.5, 4), (1, 3), (1, 3), (5, 5));
        // after coalescing: 1→6, 2.5→4 (dip, becomes 6), 5→5 (becomes 6), +Inf→10; rank 9.5 is in +Inf → 5
        Assert.Equal(5, HistogramQuantile.Compute(0.95, buckets));
        Assert.Equal(2.5 / 6, HistogramQuantile.Compute(0.25, B((1, 6), (2.5, 4), (double.PositiveInfinity, 10))), 10); // rank 2.5 of 6 in [0, 1]
    }

    [Fact]
    public void Demo_app_latency_of_three_seconds_lands_at_PromQL_interpolated_value()
    {
        // 20 requests of ~3 s: all in (2.5, 5]; rank 19 of 20 → 2.5 + 2.5 * 19/20
        var buckets = B((1, 0), (2.5, 0), (5, 20), (10, 20), (double.PositiveInfinity, 20));
        Assert.Equal(4.875, HistogramQuantile.Compute(0.95, buckets), 10);
    }

    [Fact]
    public void Counter_deltas_treat_a_decrease_as_a_reset()
    {
        Assert.Equal(5, CounterDelta.Increase(10, 15));
        Assert.Equal(3, CounterDelta.Increase(100, 3));
        Assert.Equal(7, CounterDelta.Increase(null, 7));
        Assert.True(CounterDelta.IsReset(100, 3));
        Assert.False(CounterDelta.IsReset(3, 3));
    }
}
