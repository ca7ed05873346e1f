namespace DeployOps.Engine.Health.Comparison;

/// <summary>
/// The few distributions the comparative judge needs, in closed form so every verdict is reproducible offline:
/// the standard normal (CDF and quantile), log-gamma, Fisher's exact test, the pooled two-proportion z-test and
/// Wilson / Newcombe score intervals (which stay meaningful at zero errors, unlike the Wald interval).
/// </summary>
internal static class Statistics
{
    /// <summary>Φ(x), from erfc (absolute error below 1.2e-7).</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    /// <summary>Φ⁻¹(p), Acklam's rational approximation refined by one Halley step (relative error ~1e-9).</summary>
    public static double NormalQuantile(double p)
    {
        if (p <= 0) return double.NegativeInfinity;
        if (p >= 1) return double.PositiveInfinity;
        double[] a = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
        double[] b = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 };
        double[] c = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
        double[] d = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 };
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        var e = NormalCdf(x) - p;
        var u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }

    /// <summary>Complementary error function (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7).</summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + 0.5 * z);
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9).</summary>
    public static double LogGamma(double x)
    {
        double[] g = { 0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7 };
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++) sum += g[i] / (x + i);
        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    private static double LogChoose(double n, double k) => LogGamma(n + 1) - LogGamma(k + 1) - LogGamma(n - k + 1);

    /// <summary>
    /// One-sided Fisher exact test that the first group's error proportion is greater than the second's:
    /// P(X ≥ errorsA) for X hypergeometric with the margins of the 2×2 table.
    /// </summary>
    public static double FisherGreaterPValue(long errorsA, long totalA, long errorsB, long totalB)
    {
        Validate(errorsA, totalA);
        Validate(errorsB, totalB);
        long n = totalA + totalB, k = errorsA + errorsB;
        if (n == 0 || k == 0) return 1;
        var max = Math.Min(k, totalA);
        var denominator = LogChoose(n, totalA);
        // Summed from the far tail towards errorsA so the small terms are added first.
        var p = 0.0;
        for (var x = max; x >= errorsA; x--)
            p += Math.Exp(LogChoose(k, x) + LogChoose(n - k, totalA - x) - denominator);
        return Math.Min(1, p);
    }

    /// <summary>Pooled two-proportion z statistic (A minus B) and its one-sided p-value (A greater).</summary>
    public static (double Z, double PValue) TwoProportionZ(long errorsA, long totalA, long errorsB, long totalB)
    {
        Validate(errorsA, totalA);
        Validate(errorsB, totalB);
        if (totalA == 0 || totalB == 0) return (0, 1);
        var pooled = (double)(errorsA + errorsB) / (totalA + totalB);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1.0 / totalA + 1.0 / totalB));
        if (se == 0) return (0, 1);
        var z = ((double)errorsA / totalA - (double)errorsB / totalB) / se;
        return (z, 1 - NormalCdf(z));
    }

    /// <summary>Wilson score interval of a proportion for a critical value <paramref name="z"/>.</summary>
    public static (double Lower, double Upper) Wilson(long errors, long total, double z)
    {
        Validate(errors, total);
        if (total == 0) return (0, 1);
        double n = total, p = errors / n, z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>
    /// Newcombe's hybrid score interval for the difference of two proportions (A − B), each side at critical
    /// value <paramref name="z"/>: defined at zero counts, where the Wald interval collapses to a point.
    /// </summary>
    public static (double Lower, double Upper) NewcombeDifference(long errorsA, long totalA, long errorsB, long totalB, double z)
    {
        var (la, ua) = Wilson(errorsA, totalA, z);
        var (lb, ub) = Wilson(errorsB, totalB, z);
        double pa = totalA == 0 ? 0 : (double)errorsA / totalA, pb = totalB == 0 ? 0 : (double)errorsB / totalB, d = pa - pb;
        return (d - Math.Sqrt((pa - la) * (pa - la) + (ub - pb) * (ub - pb)),
                d + Math.Sqrt((ua - pa) * (ua - pa) + (pb - lb) * (pb - lb)));
    }

    private static void Validate(long errors, long total)
    {
        if (total < 0 || errors < 0 || errors > total)
            throw new ArgumentOutOfRangeException(nameof(errors), $"{errors} errors of {total} requests is not a proportion");
    }
}
