using DeployOps.Engine.Health.Comparison;

namespace DeployOps.Engine.Tests.Health.Comparison;

/// <summary>The judge's statistics against published values (normal tables, Fisher's and Newcombe's worked examples).</summary>
public sealed class StatisticsTests
{
    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1.96, 0.9750021)]
    [InlineData(1.644854, 0.95)]
    [InlineData(-1, 0.1586553)]
    [InlineData(3, 0.9986501)]
    public void Normal_cdf_matches_the_table(double x, double expected) =>
        Assert.Equal(expected, Statistics.NormalCdf(x), 6);

    [Theory]
    [InlineData(0.95, 1.6448536)]
    [InlineData(0.975, 1.9599640)]
    [InlineData(0.999, 3.0902323)]
    [InlineData(0.01, -2.3263479)]
    public void Normal_quantile_matches_the_table(double p, double expected) =>
        Assert.Equal(expected, Statistics.NormalQuantile(p), 5);

    [Fact]
    public void Log_gamma_matches_factorials_and_sqrt_pi()
    {
        Assert.Equal(Math.Log(362880), Statistics.LogGamma(10), 9);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), Statistics.LogGamma(0.5), 9);
        Assert.Equal(Math.Log(2.43290200817664e18), Statistics.LogGamma(21), 9);
    }

    [Fact]
    public void Fisher_exact_reproduces_the_lady_tasting_tea_and_the_dieting_example()
    {
        // Fisher (1935): 3 of 4 cups right, one-sided p = 17/70.
        Assert.Equal(17.0 / 70, Statistics.FisherGreaterPValue(3, 4, 1, 4), 9);
        // Dieting by sex (the textbook 2×2 example): 9 of 12 against 1 of 12; the table's own probability is 0.001346 and
        // the one-sided p adds the more extreme table (10 of 12: 0.0000336): 0.001380.
        Assert.Equal(0.001380, Statistics.FisherGreaterPValue(9, 12, 1, 12), 6);
        Assert.Equal(1, Statistics.FisherGreaterPValue(0, 1000, 0, 1000));
        // A canary no worse than its baseline is never significant.
        Assert.True(Statistics.FisherGreaterPValue(10, 1000, 20, 1000) > 0.9);
    }

    [Fact]
    public void Fisher_exact_handles_large_counts()
    {
        var p = Statistics.FisherGreaterPValue(200, 10_000, 100, 10_000);
        Assert.InRange(p, 1e-10, 1e-7); // z ≈ 5.8 by the normal approximation: p ≈ 3e-9
        Assert.InRange(Statistics.FisherGreaterPValue(3, 10_000, 0, 10_000), 0.12, 0.13); // (1/2)^3 = 0.125
    }

    [Fact]
    public void Two_proportion_z_test_matches_a_hand_computation()
    {
        // 45/100 against 30/100: pooled 0.375, se = sqrt(0.375·0.625·0.02) = 0.0684653, z = 2.19089, one-sided p = 0.014229.
        var (z, p) = Statistics.TwoProportionZ(45, 100, 30, 100);
        Assert.Equal(2.19089, z, 4);
        Assert.Equal(0.014229, p, 5);
        Assert.Equal((0, 1), Statistics.TwoProportionZ(0, 100, 0, 100));
    }

    [Fact]
    public void Wilson_interval_matches_Newcombes_examples()
    {
        var (lower, upper) = Statistics.Wilson(81, 263, 1.959964);
        Assert.Equal(0.2553, lower, 4);
        Assert.Equal(0.3662, upper, 4);
        var (zeroLower, zeroUpper) = Statistics.Wilson(0, 10, 1.959964);
        Assert.Equal(0, zeroLower);
        Assert.Equal(0.2775, zeroUpper, 4);
    }

    [Fact]
    public void Newcombe_difference_interval_matches_the_published_example()
    {
        // Newcombe (1998), 56/70 − 48/80, hybrid score interval (method 10): 0.0524 to 0.3339.
        var (lower, upper) = Statistics.NewcombeDifference(56, 70, 48, 80, 1.959964);
        Assert.Equal(0.0524, lower, 4);
        Assert.Equal(0.3339, upper, 4);
    }

    [Fact]
    public void Counts_that_are_not_proportions_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Statistics.FisherGreaterPValue(5, 4, 0, 4));
}
